import type { TokenUsage } from "@patchbay/core";
import type { ModelPrice } from "./types.js";

/** The price of a model: an exact entry, else the longest key the name starts with. */
export function findPrice(prices: Readonly<Record<string, ModelPrice>>, model: string): ModelPrice | null {
  const exact = prices[model];
  if (exact) return exact;
  let best: string | null = null;
  for (const key of Object.keys(prices)) {
    if (model.startsWith(key) && (best === null || key.length > best.length)) best = key;
  }
  return best === null ? null : (prices[best] ?? null);
}

/** Estimated USD for the usage: uncached input, cached input and output each at their price. */
export function estimateCost(usage: TokenUsage, price: ModelPrice): number {
  const cached = Math.min(usage.cachedInputTokens, usage.inputTokens);
  const usd =
    ((usage.inputTokens - cached) * price.input + cached * price.cachedInput + usage.outputTokens * price.output) / 1e6;
  // Micro-dollars are plenty; this keeps stored figures free of float noise.
  return Math.round(usd * 1e6) / 1e6;
}
