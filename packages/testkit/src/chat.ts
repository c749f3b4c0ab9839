import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { ResponseOutputItem, ResponseUsage } from "openai/resources/responses/responses";
import { messageText } from "./items.js";
import { patchEnvelope } from "./patch-envelope.js";
import { textChunks } from "./responses.js";

/** A scripted turn seen through Chat Completions: text plus function tool calls. */
export interface ChatTurn {
  content: string | null;
  toolCalls: ChatCompletionMessageFunctionToolCall[];
}

/** Translates Responses output items into one assistant chat message. */
export function toChatTurn(output: ResponseOutputItem[]): ChatTurn {
  const text = output
    .map((item) => (item.type === "message" ? messageText(item) : ""))
    .filter((t) => t !== "")
    .join("\n\n");
  const toolCalls = output.flatMap((item) => {
    const call = toToolCall(item);
    return call ? [call] : [];
  });
  return { content: text === "" && toolCalls.length > 0 ? null : text, toolCalls };
}

function toToolCall(item: ResponseOutputItem): ChatCompletionMessageFunctionToolCall | undefined {
  const call = (name: string, args: string | Record<string, unknown>, id: string) => ({
    id,
    type: "function" as const,
    function: { name, arguments: typeof args === "string" ? args : JSON.stringify(args) },
  });
  switch (item.type) {
    case "shell_call": {
      const { commands, timeout_ms } = item.action;
      // Chat tools take one command string; newlines keep "run each command" semantics in bash.
      const args = { command: commands.join("\n"), ...(timeout_ms ? { timeout_ms } : {}) };
      return call("shell", args, item.call_id);
    }
    case "local_shell_call":
      return call("shell", { command: item.action.command.map(shellQuote).join(" ") }, item.call_id);
    case "apply_patch_call":
      return call("apply_patch", { input: patchEnvelope(item.operation) }, item.call_id);
    case "function_call":
      return call(item.name, item.arguments, item.call_id);
    case "custom_tool_call":
      return call(item.name, { input: item.input }, item.call_id);
    default:
      return undefined;
  }
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Chat Completions usage carrying the same numbers as the Responses usage. */
export function toChatUsage(usage: ResponseUsage): CompletionUsage {
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    prompt_tokens_details: {
      cached_tokens: usage.input_tokens_details.cached_tokens,
      cache_write_tokens: usage.input_tokens_details.cache_write_tokens,
    },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details.reasoning_tokens },
  };
}

/** Identity shared by a completion and its chunks. */
export interface ChatMeta {
  id: string;
  created: number;
  model: string;
}

/** A non-streamed chat completion for the turn. */
export function buildChatCompletion(meta: ChatMeta, turn: ChatTurn, usage: ResponseUsage): ChatCompletion {
  const hasTools = turn.toolCalls.length > 0;
  return {
    ...meta,
    object: "chat.completion",
    choices: [
      {
        index: 0,
        finish_reason: hasTools ? "tool_calls" : "stop",
        logprobs: null,
        message: {
          role: "assistant",
          content: turn.content,
          refusal: null,
          ...(hasTools ? { tool_calls: turn.toolCalls } : {}),
        },
      },
    ],
    usage: toChatUsage(usage),
  };
}

/** The chunks of a streamed chat completion (the caller appends `data: [DONE]`). */
export function chatChunks(meta: ChatMeta, turn: ChatTurn, usage?: ResponseUsage): ChatCompletionChunk[] {
  const chunk = (delta: ChatCompletionChunk.Choice.Delta, finish: ChatCompletionChunk.Choice["finish_reason"] = null) =>
    ({
      ...meta,
      object: "chat.completion.chunk",
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    }) satisfies ChatCompletionChunk;
  const chunks: ChatCompletionChunk[] = [chunk({ role: "assistant", content: "" })];
  if (turn.content) for (const piece of textChunks(turn.content)) chunks.push(chunk({ content: piece }));
  turn.toolCalls.forEach((call, index) => {
    const head = {
      index,
      id: call.id,
      type: "function" as const,
      function: { name: call.function.name, arguments: "" },
    };
    chunks.push(chunk({ tool_calls: [head] }));
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }));
  });
  chunks.push(chunk({}, turn.toolCalls.length > 0 ? "tool_calls" : "stop"));
  // Like OpenAI: usage only when asked for with stream_options.include_usage, in a final chunk.
  if (usage) chunks.push({ ...meta, object: "chat.completion.chunk", choices: [], usage: toChatUsage(usage) });
  return chunks;
}
