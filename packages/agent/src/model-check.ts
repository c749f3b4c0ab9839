import { PatchbayError } from "@patchbay/core";
import { APIError } from "openai";
import { openaiClient } from "./adapters/client.js";
import { chooseModel } from "./adapters/select.js";
import type { ModelApi, ModelClientOptions } from "./types.js";

/** What the endpoint said about a model: it serves it, or it could not say (go on and find out). */
export type ModelAvailability = "served" | "unknown";

const CHECK_TIMEOUT_MS = 10_000;

// A 404 about the model, not about the route: OpenAI says `model_not_found`, Ollama "model 'x'
// not found". Servers without the route (vLLM, llama.cpp, proxies) answer a plain "Not Found",
// and some of them serve whatever name they are sent: that must not fail a job.
const MODEL_MISSING = /\bmodel\b.*\b(not found|does not exist|not exist)/i;

/**
 * Asks the endpoint whether it serves `model` (`GET /models/{model}`), so that a job naming a
 * model the endpoint does not have fails in seconds, before clone, setup and baseline. Throws
 * `model_error` only when the endpoint says the model does not exist; any other
 * outcome (no such route, a timeout, a refused key) is "unknown" and the job goes on.
 */
export async function checkModelServed(options: {
  model: string;
  api?: ModelApi;
  client: ModelClientOptions;
  signal?: AbortSignal;
}): Promise<ModelAvailability> {
  const { model } = chooseModel(options.model, options.api);
  const client = openaiClient({
    ...options.client,
    timeoutMs: Math.min(options.client.timeoutMs ?? CHECK_TIMEOUT_MS, CHECK_TIMEOUT_MS),
  });
  try {
    await client.models.retrieve(model, options.signal ? { signal: options.signal } : {});
    return "served";
  } catch (err) {
    if (err instanceof APIError && err.status === 404 && saysModelIsMissing(err)) {
      const baseURL = options.client.baseURL ?? client.baseURL;
      throw new PatchbayError("model_error", `the endpoint ${baseURL} does not serve model ${model}`, {
        details: { model, baseURL, status: 404, message: err.message },
      });
    }
    return "unknown";
  }
}

function saysModelIsMissing(err: APIError): boolean {
  return err.code === "model_not_found" || MODEL_MISSING.test(err.message);
}
