import { describe, expect, it } from "vitest";
import { CodexBudget } from "./codex-budget.js";

const USAGE = { inputTokens: 1000, cachedInputTokens: 0, outputTokens: 100, reasoningTokens: 0 };

describe("CodexBudget", () => {
  it("admits calls until a limit is reached, then names it", () => {
    const budget = new CodexBudget({ maxTurns: 5, maxTokens: 2000 }, "m", {});
    expect(budget.admit()).toBeNull();
    budget.record(USAGE);
    expect(budget.admit()).toBeNull();
    budget.record(USAGE);
    expect(budget.admit()).toMatch(/2000 tokens/);
    expect(budget.reached).toBe("maxTokens");
    expect(budget.exceeded("maxTokens", "stop").details).toMatchObject({ limit: "maxTokens", turns: 2 });
  });

  it("counts cost with the model's price and refuses maxCostUsd without one", () => {
    const prices = { "script:": { input: 1, cachedInput: 0.1, output: 10 } };
    const budget = new CodexBudget({ maxTurns: 9, maxCostUsd: 0.002 }, "script:x", prices);
    budget.record(USAGE);
    expect(budget.costUsd()).toBe(0.002);
    expect(budget.admit()).toMatch(/cost limit/);
    expect(() => new CodexBudget({ maxTurns: 1, maxCostUsd: 1 }, "unknown", prices)).toThrow(/no price/);
  });
});
