import { describe, expect, it } from "vitest";
import { buildUsage, chatTurnStarts, isModelItem, responsesTurnStarts } from "./turns.js";

describe("responsesTurnStarts", () => {
  it("counts maximal runs of model items as one turn each", () => {
    const input = [
      { role: "developer", content: "rules" },
      { role: "user", content: "task" },
      { type: "reasoning", id: "rs_1", summary: [] },
      { type: "shell_call", call_id: "a" },
      { type: "shell_call", call_id: "b" },
      { type: "shell_call_output", call_id: "a" },
      { type: "shell_call_output", call_id: "b" },
      { type: "apply_patch_call", call_id: "c" },
      { type: "apply_patch_call_output", call_id: "c" },
      { type: "message", role: "assistant", content: [] },
      { role: "user", content: "more" },
    ];
    expect(responsesTurnStarts(input)).toEqual([2, 7, 9]);
  });

  it("sees no turns in a string input or an empty list", () => {
    expect(responsesTurnStarts("hello")).toEqual([]);
    expect(responsesTurnStarts([])).toEqual([]);
  });

  it("treats only assistant messages as model items", () => {
    expect(isModelItem({ role: "assistant", content: "x" })).toBe(true);
    expect(isModelItem({ type: "message", role: "user", content: "x" })).toBe(false);
    expect(isModelItem({ type: "function_call_output", call_id: "x" })).toBe(false);
    expect(isModelItem({ type: "custom_tool_call", call_id: "x" })).toBe(true);
    expect(isModelItem(null)).toBe(false);
  });
});

describe("chatTurnStarts", () => {
  it("finds each assistant message", () => {
    const messages = [
      { role: "system" },
      { role: "user" },
      { role: "assistant" },
      { role: "tool" },
      { role: "assistant" },
    ];
    expect(chatTurnStarts(messages)).toEqual([2, 4]);
  });
});

describe("buildUsage", () => {
  it("estimates from sizes and keeps the totals consistent", () => {
    const usage = buildUsage({ request: { input: "x".repeat(400) }, cachedPrefix: { input: "" }, output: [] });
    expect(usage.input_tokens).toBeGreaterThanOrEqual(100);
    expect(usage.input_tokens_details.cached_tokens).toBeLessThan(usage.input_tokens);
    expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
  });

  it("prefers the script's numbers", () => {
    const usage = buildUsage(
      { request: {}, cachedPrefix: undefined, output: [] },
      { input_tokens: 50, input_tokens_details: { cached_tokens: 40 }, output_tokens: 5 },
    );
    expect(usage).toEqual({
      input_tokens: 50,
      input_tokens_details: { cached_tokens: 40, cache_write_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 55,
    });
  });
});
