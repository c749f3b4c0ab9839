import { PatchbayError } from "@patchbay/core";
import OpenAI from "openai";
import type { Tool } from "openai/resources/responses/responses";
import { toModelError } from "./model-errors.js";
import type { ModelAdapter, ModelClientOptions, ModelRequest, ModelTurn, ReasoningEffort } from "./types.js";
import { usageFromResponses } from "./usage.js";

/** The default endpoint, spelled out so that the SDK never falls back to its environment. */
export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/** The built-in tools the model gets: commands are run by us, in the job's workspace. */
export const RESPONSES_TOOLS: Tool[] = [{ type: "shell" }, { type: "apply_patch" }];

/** What the Responses adapter needs besides the transcript. */
export interface ResponsesAdapterOptions {
  model: string;
  reasoningEffort?: ReasoningEffort;
  client: ModelClientOptions;
  parallelToolCalls?: boolean;
}

/**
 * Calls the Responses API statelessly: the whole history every turn, `store: false`, reasoning
 * passed back encrypted, so a job can resume from its transcript and ZDR accounts work.
 */
export function createResponsesAdapter(options: ResponsesAdapterOptions): ModelAdapter {
  const baseURL = options.client.baseURL ?? DEFAULT_BASE_URL;
  const client = new OpenAI({
    baseURL,
    apiKey: options.client.apiKey,
    organization: null,
    project: null,
    ...(options.client.timeoutMs === undefined ? {} : { timeout: options.client.timeoutMs }),
    ...(options.client.maxRetries === undefined ? {} : { maxRetries: options.client.maxRetries }),
  });
  return {
    async nextTurn(request: ModelRequest): Promise<ModelTurn> {
      try {
        return await createTurn(client, options, request);
      } catch (err) {
        throw toModelError(err, baseURL);
      }
    },
  };
}

async function createTurn(client: OpenAI, options: ResponsesAdapterOptions, request: ModelRequest): Promise<ModelTurn> {
  const response = await client.responses.create(
    {
      model: options.model,
      instructions: request.instructions,
      input: request.history,
      tools: RESPONSES_TOOLS,
      parallel_tool_calls: options.parallelToolCalls ?? false,
      store: false,
      include: ["reasoning.encrypted_content"],
      ...(options.reasoningEffort === undefined ? {} : { reasoning: { effort: options.reasoningEffort } }),
    },
    { signal: request.signal },
  );
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
