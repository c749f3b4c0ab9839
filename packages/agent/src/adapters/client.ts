import OpenAI from "openai";
import type { ModelClientOptions } from "../types.js";

/** The default endpoint, spelled out so that the SDK never falls back to its environment. */
export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/**
 * An SDK client that never retries by itself (Patchbay's retry loop does, visibly) and never reads
 * organisation or project from the environment.
 */
export function openaiClient(options: ModelClientOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseURL ?? DEFAULT_BASE_URL,
    apiKey: options.apiKey,
    organization: null,
    project: null,
    maxRetries: 0,
    ...(options.headers ? { defaultHeaders: options.headers } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  });
}
