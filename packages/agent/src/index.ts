export {
  applyPatchOperation,
  applyPatchText,
  formatPatchResult,
  PatchError,
  type PatchOperation,
  type PatchResult,
  parsePatch,
} from "./patch/index.js";
export { AGENTS_MD_LIMIT, buildInstructions, systemPrompt } from "./prompt.js";
export { createResponsesAdapter, RESPONSES_TOOLS, type ResponsesAdapterOptions } from "./responses-adapter.js";
export { runAgent } from "./run-agent.js";
export { TOOL_OUTPUT_LIMIT, truncateMiddle } from "./truncate.js";
export type {
  AgentOutcome,
  AgentRunOptions,
  ModelAdapter,
  ModelClientOptions,
  ModelRequest,
  ModelTurn,
  ReasoningEffort,
} from "./types.js";
