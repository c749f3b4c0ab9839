import { posix } from "node:path";
import type { ResponseApplyPatchToolCall } from "openai/resources/responses/responses";
import { applyPatchOperation, formatPatchResult } from "../patch/apply.js";
import { PatchError, type PatchResult } from "../patch/types.js";
import { truncateMiddle } from "../truncate.js";
import type { ToolContext, ToolRun } from "./context.js";

/** Applies an apply_patch_call's operation; a failure goes back to the model, which can retry. */
export async function runApplyPatchCall(call: ResponseApplyPatchToolCall, ctx: ToolContext): Promise<ToolRun> {
  let ok = true;
  let output: string;
  let touchedDirs: string[] = [];
  try {
    const result = await applyPatchOperation(ctx.workspace, call.operation);
    output = formatPatchResult(result);
    touchedDirs = dirsOf(result);
  } catch (err) {
    // Any error, also one the workspace raised (a folder in the way), is something the model can
    // work around; a workspace that is really gone fails the next shell command anyway.
    ok = false;
    output =
      err instanceof PatchError
        ? err.message
        : `Failed to apply the patch to ${call.operation.path}: ${err instanceof Error ? err.message : String(err)}`;
  }
  output = truncateMiddle(output, ctx.outputLimit);
  return {
    item: { type: "apply_patch_call_output", call_id: call.call_id, status: ok ? "completed" : "failed", output },
    ok,
    output,
    touchedDirs,
  };
}

/** The folders of every file a patch added, changed or deleted. */
export function dirsOf(result: PatchResult): string[] {
  const paths = [...result.added, ...result.modified, ...result.deleted];
  return [...new Set(paths.map((p) => posix.dirname(p)))];
}
