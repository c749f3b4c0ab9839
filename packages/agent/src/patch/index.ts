export {
  applyFileChanges,
  applyPatchOperation,
  applyPatchText,
  formatPatchResult,
  operationToChange,
  type PatchOperation,
} from "./apply.js";
export { parseCreateDiff, parsePatch, parseUpdateDiff } from "./parse.js";
export { resolvePatchPath } from "./paths.js";
export { seekSequence } from "./seek.js";
export { applyChunks } from "./text.js";
export { type DiffLine, type FileChange, oldLinesOf, PatchError, type PatchResult, type UpdateChunk } from "./types.js";
