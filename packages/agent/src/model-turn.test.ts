import { describe, expect, it } from "vitest";
import { assistantText, modelEventData } from "./model-turn.js";

const USAGE = { inputTokens: 10, cachedInputTokens: 0, outputTokens: 2, reasoningTokens: 0 };

describe("assistantText", () => {
  it("joins the non-blank output_text of message items, trimmed; null without any", () => {
    const output = [
      { type: "reasoning", content: [{ type: "output_text", text: "not a message" }] },
      {
        type: "message",
        content: [
          { type: "output_text", text: " Fixed it. " },
          { type: "refusal", refusal: "x" },
        ],
      },
      { type: "message", content: [{ type: "output_text", text: "  " }] },
      { type: "message", content: [{ type: "output_text", text: "Tests pass." }] },
      { type: "message" },
    ];
    expect(assistantText(output)).toBe("Fixed it.\n\nTests pass.");
    expect(assistantText([{ type: "function_call" }])).toBeNull();
  });
});

describe("modelEventData", () => {
  it("carries the whole output and leaves out text and cost when there are none", () => {
    const output = [{ type: "function_call", name: "exec_command" }];
    const base = { turn: 2, model: "m", usage: USAGE, output };
    expect(modelEventData({ ...base, text: null, costUsd: null })).toEqual({
      turn: 2,
      model: "m",
      usage: USAGE,
      itemTypes: ["function_call"],
      output,
    });
    expect(modelEventData({ ...base, text: "hi", costUsd: 0.5 })).toMatchObject({ text: "hi", costUsd: 0.5 });
  });
});
