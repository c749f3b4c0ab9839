import type { ResponseApplyPatchToolCall } from "openai/resources/responses/responses";

/** An apply_patch operation as the Responses API carries it. */
export type PatchOperation = ResponseApplyPatchToolCall["operation"];

/**
 * The Codex `*** Begin Patch` envelope for one operation: what a Chat Completions client's
 * `apply_patch` function tool receives as `input`.
 */
export function patchEnvelope(operation: PatchOperation): string {
  return ["*** Begin Patch", ...operationLines(operation), "*** End Patch"].join("\n");
}

function operationLines(operation: PatchOperation): string[] {
  switch (operation.type) {
    case "create_file":
      return [`*** Add File: ${operation.path}`, ...addedLines(operation.diff)];
    case "update_file":
      return [`*** Update File: ${operation.path}`, ...splitLines(operation.diff)];
    case "delete_file":
      return [`*** Delete File: ${operation.path}`];
  }
}

// A create_file diff is normally already "+"-prefixed; hand-written scripts often give the plain
// file content instead, so that is prefixed here rather than rejected.
function addedLines(diff: string): string[] {
  const lines = splitLines(diff);
  if (lines.length > 0 && lines.every((line) => line.startsWith("+"))) return lines;
  return lines.map((line) => `+${line}`);
}

function splitLines(text: string): string[] {
  if (text === "") return [];
  return text.replace(/\n$/, "").split("\n");
}
