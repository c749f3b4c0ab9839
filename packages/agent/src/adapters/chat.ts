import type { TokenUsage } from "@patchbay/core";
import type OpenAI from "openai";
import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageFunctionToolCall,
} from "openai/resources/chat/completions";
import type { CompletionUsage } from "openai/resources/completions";
import type { ResponseOutputItem } from "openai/resources/responses/responses";
import { StreamDroppedError } from "../model-errors.js";
import type { ModelAdapter, ModelClientOptions, ModelRequest, ModelTurn, ReasoningEffort } from "../types.js";
import { toChatMessages } from "./chat-messages.js";
import { openaiClient } from "./client.js";
import { chatTools } from "./tools.js";

/** What the Chat Completions adapter needs besides the transcript. */
export interface ChatAdapterOptions {
  /** The model name as the endpoint knows it (no `chat:` prefix). */
  model: string;
  reasoningEffort?: ReasoningEffort;
  client: ModelClientOptions;
  /** Stream the completion (default true). */
  stream?: boolean;
}

/** A completed assistant message, however it arrived. */
interface ChatAnswer {
  id: string;
  content: string;
  toolCalls: ChatCompletionMessageFunctionToolCall[];
  finishReason: string | null;
  usage: CompletionUsage | undefined;
}

/**
 * Calls an OpenAI-compatible Chat Completions endpoint (vLLM, Ollama, llama.cpp server) with
 * `shell` and `apply_patch` as function tools, and answers with Responses-shaped output items so
 * that the loop and the transcript are the same for both protocols.
 */
export function createChatAdapter(options: ChatAdapterOptions): ModelAdapter {
  const client = openaiClient(options.client);
  return {
    async nextTurn(request: ModelRequest): Promise<ModelTurn> {
      const body: ChatCompletionCreateParamsBase = {
        model: options.model,
        messages: toChatMessages(request.instructions, request.history),
        tools: chatTools(request.functionTools),
        ...(options.reasoningEffort === undefined ? {} : { reasoning_effort: options.reasoningEffort }),
      };
      const answer =
        options.stream === false ? await plain(client, body, request) : await streamed(client, body, request);
      return toTurn(answer);
    },
  };
}

async function plain(client: OpenAI, body: ChatCompletionCreateParamsBase, request: ModelRequest): Promise<ChatAnswer> {
  const completion = await client.chat.completions.create({ ...body, stream: false }, { signal: request.signal });
  const choice = completion.choices[0];
  const toolCalls = (choice?.message.tool_calls ?? []).filter(
    (c): c is ChatCompletionMessageFunctionToolCall => c.type === "function",
  );
  return {
    id: completion.id,
    content: choice?.message.content ?? "",
    toolCalls,
    finishReason: choice?.finish_reason ?? null,
    usage: completion.usage,
  };
}

async function streamed(
  client: OpenAI,
  body: ChatCompletionCreateParamsBase,
  request: ModelRequest,
): Promise<ChatAnswer> {
  const stream = await client.chat.completions.create(
    { ...body, stream: true, stream_options: { include_usage: true } },
    { signal: request.signal },
  );
  const answer: ChatAnswer = { id: "", content: "", toolCalls: [], finishReason: null, usage: undefined };
  try {
    for await (const chunk of stream) addChunk(answer, chunk, request);
  } catch (err) {
    if (request.signal.aborted || !(err instanceof TypeError)) throw err;
    throw new StreamDroppedError(err.message, { cause: err });
  }
  if (answer.finishReason === null && !request.signal.aborted) {
    throw new StreamDroppedError("the stream ended before the completion was finished");
  }
  return answer;
}

function addChunk(answer: ChatAnswer, chunk: ChatCompletionChunk, request: ModelRequest): void {
  answer.id ||= chunk.id;
  if (chunk.usage) answer.usage = chunk.usage;
  const choice = chunk.choices[0];
  if (!choice) return;
  const { delta } = choice;
  if (delta.content) {
    answer.content += delta.content;
    request.onProgress?.({ type: "text", delta: delta.content });
  }
  for (const part of delta.tool_calls ?? []) {
    const call = answer.toolCalls[part.index] ?? { id: "", type: "function", function: { name: "", arguments: "" } };
    answer.toolCalls[part.index] = call;
    if (part.id) call.id = part.id;
    if (part.function?.name) {
      call.function.name += part.function.name;
      const item = { type: "function_call", call_id: call.id, name: call.function.name, arguments: "" } as const;
      request.onProgress?.({ type: "item", item });
    }
    if (part.function?.arguments) call.function.arguments += part.function.arguments;
  }
  if (choice.finish_reason) answer.finishReason = choice.finish_reason;
}

function toTurn(answer: ChatAnswer): ModelTurn {
  const output: ResponseOutputItem[] = [];
  if (answer.content.trim() !== "") {
    output.push({
      type: "message",
      id: `msg_${answer.id}`,
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: answer.content, annotations: [] }],
    });
  }
  answer.toolCalls.forEach((call, index) => {
    // Some servers leave out the id; the tool message must still name the call it answers.
    const callId = call.id || `call_${answer.id}_${index}`;
    output.push({
      type: "function_call",
      id: `fc_${callId}`,
      call_id: callId,
      name: call.function.name,
      arguments: call.function.arguments,
      status: "completed",
    });
  });
  const turn: ModelTurn = { output, usage: usageFromChat(answer.usage) };
  return answer.finishReason === "length" ? { ...turn, incompleteReason: "max_output_tokens" } : turn;
}

/** Maps Chat Completions usage to Patchbay's; compatible servers often leave out the details. */
export function usageFromChat(usage: CompletionUsage | undefined): TokenUsage {
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    reasoningTokens: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
  };
}
