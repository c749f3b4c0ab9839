import type { Workspace } from "@patchbay/core";
import type { ResponseApplyPatchToolCall } from "openai/resources/responses/responses";
import { parseCreateDiff, parsePatch, parseUpdateDiff } from "./parse.js";
import { resolvePatchPath } from "./paths.js";
import { applyChunks, decodeText, encodeText } from "./text.js";
import { type FileChange, PatchError, type PatchResult } from "./types.js";

/** An operation of a Responses `apply_patch_call`. */
export type PatchOperation = ResponseApplyPatchToolCall["operation"];

/** Applies one `apply_patch_call` operation to the workspace. */
export async function applyPatchOperation(workspace: Workspace, operation: PatchOperation): Promise<PatchResult> {
  return applyFileChanges(workspace, [operationToChange(operation)]);
}

/** Applies a Codex `*** Begin Patch` envelope to the workspace. */
export async function applyPatchText(workspace: Workspace, patch: string): Promise<PatchResult> {
  return applyFileChanges(workspace, parsePatch(patch));
}

/** Converts an `apply_patch_call` operation into the engine's file change. */
export function operationToChange(operation: PatchOperation): FileChange {
  switch (operation.type) {
    case "create_file":
      return { kind: "add", path: operation.path, lines: parseCreateDiff(operation.diff) };
    case "delete_file":
      return { kind: "delete", path: operation.path };
    case "update_file":
      return { kind: "update", path: operation.path, moveTo: null, chunks: parseUpdateDiff(operation.diff) };
  }
}

/**
 * Applies file changes all or nothing: every change is computed against an in-memory view first
 * (so a later change sees an earlier one), and the workspace is written only when all succeeded.
 */
export async function applyFileChanges(workspace: Workspace, changes: FileChange[]): Promise<PatchResult> {
  const view = new PendingFiles(workspace);
  const result: PatchResult = { added: [], modified: [], deleted: [] };
  for (const change of changes) await planChange(view, change, result);
  await view.commit();
  return result;
}

/** The summary the model sees after a successful patch (Codex's wording). */
export function formatPatchResult(result: PatchResult): string {
  const lines = [
    ...result.added.map((p) => `A ${p}`),
    ...result.modified.map((p) => `M ${p}`),
    ...result.deleted.map((p) => `D ${p}`),
  ];
  return `Success. Updated the following files:\n${lines.join("\n")}\n`;
}

async function planChange(view: PendingFiles, change: FileChange, result: PatchResult): Promise<void> {
  const path = resolvePatchPath(view.root, change.path);
  if (change.kind === "add") {
    // Overwriting keeps the line ending of the file being replaced.
    const existing = await view.read(path);
    const eol = existing === null ? "\n" : decodeText(existing).eol;
    view.write(path, encodeText({ lines: change.lines, eol, bom: false }));
    result.added.push(path);
    return;
  }
  const content = await view.read(path);
  if (content === null) {
    const verb = change.kind === "delete" ? "delete" : "update";
    throw new PatchError(`Failed to ${verb} ${path}: the file does not exist.`, path);
  }
  if (change.kind === "delete") {
    view.remove(path);
    result.deleted.push(path);
    return;
  }
  const updated = applyChunks(content, change.chunks, path);
  const target = change.moveTo === null ? path : resolvePatchPath(view.root, change.moveTo);
  if (target !== path) view.remove(path);
  view.write(target, updated);
  result.modified.push(target);
}

/** Reads through to the workspace, buffers writes and deletes until commit. */
class PendingFiles {
  private readonly pending = new Map<string, string | null>();
  private readonly existed = new Map<string, boolean>();

  constructor(private readonly workspace: Workspace) {}

  get root(): string {
    return this.workspace.root;
  }

  async read(path: string): Promise<string | null> {
    if (this.pending.has(path)) return this.pending.get(path) ?? null;
    const buffer = await this.readOriginal(path);
    this.existed.set(path, buffer !== null);
    if (buffer === null) return null;
    if (buffer.includes(0)) throw new PatchError(`Refusing to patch ${path}: it is a binary file.`, path);
    return buffer.toString("utf8");
  }

  write(path: string, content: string): void {
    this.pending.set(path, content);
  }

  remove(path: string): void {
    this.pending.set(path, null);
  }

  async commit(): Promise<void> {
    for (const [path, content] of this.pending) {
      if (content !== null) await this.workspace.writeFile(path, content);
      else if (this.existed.get(path) ?? true) await this.workspace.deleteFile(path);
    }
  }

  private async readOriginal(path: string): Promise<Buffer | null> {
    try {
      return await this.workspace.readFile(path);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new PatchError(`Cannot read ${path}: ${reason}`, path);
    }
  }
}
