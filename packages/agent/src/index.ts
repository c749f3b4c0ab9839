export { createChatAdapter } from "./adapters/chat.js";
export { DEFAULT_BASE_URL } from "./adapters/client.js";
export { createResponsesAdapter, type ResponsesAdapterOptions } from "./adapters/responses.js";
export { chooseModel, createAdapter } from "./adapters/select.js";
export { RESPONSES_TOOLS, RUN_CHECKS_TOOL } from "./adapters/tools.js";
export { summarizeChecks } from "./checks-summary.js";
export { conversationFromEvents } from "./conversation.js";
export { checkModelServed, type ModelAvailability } from "./model-check.js";
export { assistantText, modelEventData } from "./model-turn.js";
export {
  applyPatchOperation,
  applyPatchText,
  formatPatchResult,
  PatchError,
  type PatchOperation,
  type PatchResult,
  parsePatch,
} from "./patch/index.js";
export { estimateCost, findPrice } from "./pricing.js";
export { AGENTS_MD_LIMIT, buildInstructions, systemPrompt } from "./prompt.js";
export { runAgent } from "./run-agent.js";
export { parseArguments } from "./tools/functions.js";
export { type DocChunk, formatChunks, SEARCH_DOCS_TOOL, type SearchDocs } from "./tools/search-docs.js";
export { type Trajectory, trajectoryFromEvents } from "./trajectory.js";
export { TOOL_OUTPUT_LIMIT, truncateMiddle } from "./truncate.js";
export type {
  AgentFunctionTool,
  AgentOutcome,
  AgentRunOptions,
  ModelAdapter,
  ModelApi,
  ModelClientOptions,
  ModelPrice,
  ModelProgress,
  ModelRequest,
  ModelTurn,
  PendingMessage,
  ReasoningEffort,
} from "./types.js";
export { countedTokens, usageFromResponses } from "./usage.js";
