import { PatchbayError } from "@patchbay/core";
import type OpenAI from "openai";
import type {
  Response,
  ResponseCreateParamsBase,
  ResponseOutputItem,
  ResponseStreamEvent,
} from "openai/resources/responses/responses";
import { StreamDroppedError } from "../model-errors.js";
import type { ModelAdapter, ModelClientOptions, ModelRequest, ModelTurn, ReasoningEffort } from "../types.js";
import { usageFromResponses } from "../usage.js";
import { openaiClient } from "./client.js";
import { RESPONSES_TOOLS } from "./tools.js";

/** What the Responses adapter needs besides the transcript. */
export interface ResponsesAdapterOptions {
  /** The model name as the endpoint knows it (no `responses:` prefix). */
  model: string;
  reasoningEffort?: ReasoningEffort;
  client: ModelClientOptions;
  parallelToolCalls?: boolean;
  /** Stream the response (default true): text and tool calls are reported as they arrive. */
  stream?: boolean;
}

/**
 * Calls the Responses API statelessly: the whole history every turn, `store: false`, reasoning
 * passed back encrypted, so a job can resume from its transcript and ZDR accounts work. Errors
 * are thrown as the SDK raises them; the caller's retry loop classifies them.
 */
export function createResponsesAdapter(options: ResponsesAdapterOptions): ModelAdapter {
  const client = openaiClient(options.client);
  return {
    async nextTurn(request: ModelRequest): Promise<ModelTurn> {
      const body = requestBody(options, request);
      const response =
        options.stream === false
          ? await client.responses.create({ ...body, stream: false }, { signal: request.signal })
          : await streamed(client, body, request);
      return toTurn(response);
    },
  };
}

function requestBody(options: ResponsesAdapterOptions, request: ModelRequest): ResponseCreateParamsBase {
  return {
    model: options.model,
    instructions: request.instructions,
    input: request.history,
    tools: [...RESPONSES_TOOLS, ...request.functionTools],
    parallel_tool_calls: options.parallelToolCalls ?? false,
    store: false,
    include: ["reasoning.encrypted_content"],
    ...(options.reasoningEffort === undefined ? {} : { reasoning: { effort: options.reasoningEffort } }),
  };
}

/** Reads the event stream to its final event; a stream that stops short is a dropped one. */
async function streamed(client: OpenAI, body: ResponseCreateParamsBase, request: ModelRequest): Promise<Response> {
  const stream = await client.responses.create({ ...body, stream: true }, { signal: request.signal });
  const items: ResponseOutputItem[] = [];
  let final: Response | undefined;
  try {
    for await (const event of stream) {
      final = onEvent(event, request, items) ?? final;
    }
  } catch (err) {
    if (request.signal.aborted || !(err instanceof TypeError || isSocketError(err))) throw err;
    throw new StreamDroppedError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  if (request.signal.aborted) throw new PatchbayError("cancelled", "The model request was aborted.");
  if (final === undefined) throw new StreamDroppedError("the stream ended before the response was complete");
  // Some compatible servers leave the final response's output empty; the items arrived anyway.
  return final.output.length > 0 ? final : { ...final, output: items };
}

function onEvent(event: ResponseStreamEvent, request: ModelRequest, items: ResponseOutputItem[]): Response | undefined {
  switch (event.type) {
    case "response.output_text.delta":
      request.onProgress?.({ type: "text", delta: event.delta });
      return undefined;
    case "response.output_item.done":
      items[event.output_index] = event.item;
      request.onProgress?.({ type: "item", item: event.item });
      return undefined;
    case "response.completed":
    case "response.incomplete":
    case "response.failed":
      return event.response;
    case "error":
      throw new PatchbayError("model_error", `The model stream reported an error: ${event.message}`, {
        details: { status: null, code: event.code ?? null },
      });
    default:
      return undefined;
  }
}

function isSocketError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(ECONNRESET|EPIPE|UND_ERR_SOCKET|ERR_STREAM_PREMATURE_CLOSE)$/.test(code);
}

function toTurn(response: Response): ModelTurn {
  if (response.status === "failed") {
    const message = response.error?.message ?? "no reason given";
    throw new PatchbayError("model_error", `The model response failed: ${message}`, {
      details: { status: null, code: response.error?.code ?? null },
    });
  }
  const turn: ModelTurn = { output: response.output, usage: usageFromResponses(response.usage) };
  const reason = response.incomplete_details?.reason;
  return reason ? { ...turn, incompleteReason: reason } : turn;
}
