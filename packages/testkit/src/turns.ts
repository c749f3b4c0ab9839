import type { ResponseOutputItem, ResponseUsage } from "openai/resources/responses/responses";
import type { ModelScript, ScriptTurn, ScriptUsage } from "./types.js";

// Items only a model produces. A maximal run of them in the input is one earlier model turn;
// tool outputs and user/system/developer messages separate the runs.
const MODEL_ITEM_TYPES = new Set([
  "reasoning",
  "function_call",
  "shell_call",
  "apply_patch_call",
  "local_shell_call",
  "custom_tool_call",
  "web_search_call",
  "file_search_call",
  "computer_call",
  "code_interpreter_call",
  "image_generation_call",
  "mcp_call",
  "mcp_list_tools",
  "mcp_approval_request",
  "tool_search_call",
]);

/** True for an input item that came from the model (assistant message, reasoning, a tool call). */
export function isModelItem(item: unknown): boolean {
  if (typeof item !== "object" || item === null) return false;
  const { type, role } = item as { type?: unknown; role?: unknown };
  // EasyInputMessage may leave out `type`, so a bare `{role: "assistant"}` is a message too.
  if (type === "message" || type === undefined) return role === "assistant";
  return typeof type === "string" && MODEL_ITEM_TYPES.has(type);
}

/** Where each earlier model turn starts in a Responses `input` (a string input has none). */
export function responsesTurnStarts(input: unknown): number[] {
  if (!Array.isArray(input)) return [];
  const starts: number[] = [];
  input.forEach((item, i) => {
    if (isModelItem(item) && (i === 0 || !isModelItem(input[i - 1]))) starts.push(i);
  });
  return starts;
}

/** Where each earlier assistant message sits in a Chat Completions `messages` array. */
export function chatTurnStarts(messages: unknown): number[] {
  if (!Array.isArray(messages)) return [];
  const starts: number[] = [];
  messages.forEach((m, i) => {
    if (typeof m === "object" && m !== null && (m as { role?: unknown }).role === "assistant") starts.push(i);
  });
  return starts;
}

/** The final turn served once a script has run out, so that agent loops end. */
export const FINISHED_TURN: ScriptTurn = {
  output: [{ type: "message", role: "assistant", content: "script finished" }],
};

/** Turn `index` of the script, or FINISHED_TURN past its end. */
export function selectTurn(script: ModelScript, index: number): ScriptTurn {
  return script.turns[index] ?? FINISHED_TURN;
}

/** A rough token count: about four characters of JSON per token, like English text. */
export function estimateTokens(value: unknown): number {
  if (value === undefined) return 0;
  return Math.ceil(JSON.stringify(value).length / 4);
}

/** What the usage estimate is computed from. */
export interface UsageBasis {
  /** The whole request body. */
  request: unknown;
  /** The part of the request a provider would have cached: everything before the last model turn. */
  cachedPrefix: unknown;
  output: ResponseOutputItem[];
}

/** Responses usage for a turn: the script's numbers where given, estimates elsewhere. */
export function buildUsage(basis: UsageBasis, scripted: ScriptUsage = {}): ResponseUsage {
  const input = scripted.input_tokens ?? estimateTokens(basis.request);
  const cached =
    scripted.input_tokens_details?.cached_tokens ??
    (basis.cachedPrefix === undefined ? 0 : Math.min(input, estimateTokens(basis.cachedPrefix)));
  const output = scripted.output_tokens ?? estimateTokens(basis.output);
  const reasoningItems = basis.output.filter((item) => item.type === "reasoning");
  const reasoning =
    scripted.output_tokens_details?.reasoning_tokens ??
    (reasoningItems.length === 0 ? 0 : Math.min(output, estimateTokens(reasoningItems)));
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: cached,
      cache_write_tokens: scripted.input_tokens_details?.cache_write_tokens ?? 0,
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: scripted.total_tokens ?? input + output,
  };
}
