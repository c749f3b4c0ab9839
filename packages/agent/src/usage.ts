import type { TokenUsage } from "@patchbay/core";

/** The fields of a Responses `usage` that are read (the SDK's ResponseUsage, or one checked at an edge). */
export interface ResponsesUsageFields {
  input_tokens?: number | null;
  output_tokens?: number | null;
  input_tokens_details?: { cached_tokens?: number | null } | null;
  output_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** Maps Responses usage to Patchbay's; OpenAI-compatible servers may leave out the details. */
export function usageFromResponses(usage: ResponsesUsageFields | null | undefined): TokenUsage {
  return {
    inputTokens: usage?.input_tokens ?? 0,
    cachedInputTokens: usage?.input_tokens_details?.cached_tokens ?? 0,
    outputTokens: usage?.output_tokens ?? 0,
    reasoningTokens: usage?.output_tokens_details?.reasoning_tokens ?? 0,
  };
}

/** Tokens that count against maxTokens: everything sent plus everything generated. */
export function countedTokens(usage: TokenUsage): number {
  return usage.inputTokens + usage.outputTokens;
}
