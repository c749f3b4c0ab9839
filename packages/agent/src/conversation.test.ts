import type { JobEvent, NewEvent } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { conversationFromEvents } from "./conversation.js";

const USAGE = { inputTokens: 1, cachedInputTokens: 0, outputTokens: 1, reasoningTokens: 0 };
const at = (events: NewEvent[]): JobEvent[] =>
  events.map((e, i) => ({ ...e, seq: i + 1, ts: "2026-01-01T00:00:00.000Z", v: 1 }) as JobEvent);
const model = (turn: number, output: unknown[]): NewEvent => ({
  type: "model",
  data: { turn, model: "m", usage: USAGE, itemTypes: [], output },
});
const result = (callId: string, output: string, ok = true): NewEvent => ({
  type: "tool_result",
  data: { callId, tool: "shell", ok, output, exitCode: ok ? 0 : 2 },
});
const reasoning = { type: "reasoning", id: "r1", summary: [], encrypted_content: "enc" };
const shell = (id: string) => ({ type: "shell_call", call_id: id, action: { commands: ["ls"] } });
const done = { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] };

describe("conversationFromEvents", () => {
  it("replays the last attempt: task, each turn's items then their outputs, delivered messages", () => {
    const events = at([
      model(1, [shell("old")]),
      result("old", "from a dead attempt"),
      { type: "user_message", data: { messageId: "m", text: "use tabs", delivered: false } },
      { type: "user_message", data: { messageId: "m", text: "use tabs", delivered: true } },
      model(1, [reasoning, shell("c1"), shell("cut")]),
      result("c1", "a.txt"),
      model(2, [done]),
    ]);
    expect(conversationFromEvents("Do it.", events)).toEqual([
      { role: "user", content: "Do it." },
      { role: "user", content: "use tabs" },
      reasoning,
      shell("c1"),
      {
        type: "shell_call_output",
        call_id: "c1",
        output: [{ stdout: "a.txt", stderr: "", outcome: { type: "exit", exit_code: 0 } }],
      },
      done,
    ]);
  });

  it("answers each kind of call with its own output item", () => {
    const events = at([
      model(1, [
        { type: "apply_patch_call", call_id: "p", operation: {} },
        { type: "function_call", call_id: "f", name: "update_plan", arguments: "{}" },
      ]),
      result("p", "Done!", true),
      result("f", "bad", false),
    ]);
    const items = conversationFromEvents("t", events);
    expect(items.slice(3)).toEqual([
      { type: "apply_patch_call_output", call_id: "p", status: "completed", output: "Done!" },
      { type: "function_call_output", call_id: "f", output: "bad" },
    ]);
  });
});
