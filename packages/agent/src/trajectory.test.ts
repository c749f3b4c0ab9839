import type { JobEvent } from "@patchbay/core";
import { ModelScriptSchema } from "@patchbay/testkit";
import { describe, expect, it } from "vitest";
import { message, shellCall } from "./testing/items.js";
import { trajectoryFromEvents } from "./trajectory.js";

const usage = { inputTokens: 10, cachedInputTokens: 4, outputTokens: 3, reasoningTokens: 1 };

function modelEvent(seq: number, turn: number, output: unknown[] | undefined): JobEvent {
  const data = { turn, model: "gpt-5.3-codex", usage, itemTypes: [], ...(output ? { output } : {}) };
  return { seq, ts: "2026-01-01T00:00:00Z", v: 1, type: "model", data };
}

describe("trajectoryFromEvents", () => {
  it("turns model events into a valid script, turn by turn, with the reported usage", () => {
    const events: JobEvent[] = [
      modelEvent(5, 2, [message("done")]),
      { seq: 3, ts: "", v: 1, type: "log", data: { stream: "stdout", text: "x" } },
      modelEvent(2, 1, [shellCall("c1", ["ls"])]),
    ];
    const script = trajectoryFromEvents(events, "job 1");
    expect(ModelScriptSchema.safeParse(script).success).toBe(true);
    expect(script.description).toBe("job 1");
    expect(script.turns.map((t) => t.output)).toEqual([[shellCall("c1", ["ls"])], [message("done")]]);
    expect(script.turns[0]?.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 4 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 1 },
    });
  });

  it("keeps only the last attempt of a job that was run twice", () => {
    const events = [
      modelEvent(1, 1, [message("first attempt")]),
      modelEvent(9, 1, [shellCall("c", ["ls"])]),
      modelEvent(12, 2, [message("second")]),
    ];
    expect(trajectoryFromEvents(events).turns.map((t) => t.note)).toEqual([
      "turn 1 of gpt-5.3-codex (event 9)",
      "turn 2 of gpt-5.3-codex (event 12)",
    ]);
  });

  it("refuses turns recorded without their output items", () => {
    expect(() => trajectoryFromEvents([modelEvent(1, 1, undefined)])).toThrow(/no output items recorded/);
  });
});
