import type { ModelAdapter, ModelApi, ModelClientOptions, ReasoningEffort } from "../types.js";
import { createChatAdapter } from "./chat.js";
import { createResponsesAdapter } from "./responses.js";

/** A job's model name split into protocol and the name the endpoint knows. */
export interface ModelChoice {
  api: ModelApi;
  model: string;
}

/**
 * `chat:<model>` and `responses:<model>` pick the protocol for one job; any other name uses the
 * configured default (Responses unless PATCHBAY_MODEL_API says chat).
 */
export function chooseModel(model: string, defaultApi: ModelApi = "responses"): ModelChoice {
  for (const api of ["chat", "responses"] as const) {
    if (model.startsWith(`${api}:`)) return { api, model: model.slice(api.length + 1) };
  }
  return { api: defaultApi, model };
}

/** The adapter for a job's model. */
export function createAdapter(options: {
  model: string;
  api?: ModelApi;
  reasoningEffort?: ReasoningEffort;
  client: ModelClientOptions;
  parallelToolCalls?: boolean;
}): ModelAdapter {
  const choice = chooseModel(options.model, options.api);
  const common = {
    model: choice.model,
    client: options.client,
    ...(options.reasoningEffort === undefined ? {} : { reasoningEffort: options.reasoningEffort }),
  };
  if (choice.api === "chat") return createChatAdapter(common);
  return createResponsesAdapter({
    ...common,
    ...(options.parallelToolCalls === undefined ? {} : { parallelToolCalls: options.parallelToolCalls }),
  });
}
