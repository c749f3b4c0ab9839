import { describe, expect, it } from "vitest";
import { estimateCost, findPrice } from "./pricing.js";
import { backoff, DEFAULT_RETRY } from "./retry.js";

describe("backoff", () => {
  it("doubles per attempt with 50–100 % jitter, capped", () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 1000, maxDelayMs: 5000 };
    expect(backoff(0, policy, () => 0)).toBe(500);
    expect(backoff(0, policy, () => 1)).toBe(1000);
    expect(backoff(2, policy, () => 1)).toBe(4000);
    expect(backoff(5, policy, () => 1)).toBe(5000);
  });
});

describe("prices", () => {
  const prices = {
    "gpt-5.1-codex": { input: 1.25, cachedInput: 0.125, output: 10 },
    "gpt-5.1-codex-mini": { input: 0.25, cachedInput: 0.025, output: 2 },
  };

  it("finds a model by exact name or longest prefix", () => {
    expect(findPrice(prices, "gpt-5.1-codex-mini-2026-01-01")?.input).toBe(0.25);
    expect(findPrice(prices, "gpt-5.1-codex")?.input).toBe(1.25);
    expect(findPrice(prices, "llama-3")).toBeNull();
  });

  it("prices cached input apart", () => {
    const usage = {
      inputTokens: 1_000_000,
      cachedInputTokens: 400_000,
      outputTokens: 100_000,
      reasoningTokens: 50_000,
    };
    // 600k × 1.25 + 400k × 0.125 + 100k × 10, per million
    expect(estimateCost(usage, { input: 1.25, cachedInput: 0.125, output: 10 })).toBe(1.8);
  });
});
