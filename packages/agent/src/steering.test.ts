import type { NewEvent } from "@patchbay/core";
import { afterEach, describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { FakeModel } from "./testing/fake-model.js";
import { message, shellCall } from "./testing/items.js";
import { tempRepo } from "./testing/temp-repo.js";
import type { PendingMessage } from "./types.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe("steering messages", () => {
  it("go into the next model request as user messages, acknowledged in order", async () => {
    const repo = await tempRepo({ "app.txt": "hello\n" });
    cleanups.push(repo.cleanup);
    const events: NewEvent[] = [];
    const inbox: PendingMessage[] = [];
    const model = new FakeModel([[shellCall("c1", ["cat app.txt"])], [message("Done.")]]);
    await runAgent({
      model: "gpt-test",
      client: { apiKey: "unused" },
      workspace: repo.workspace,
      task: "Do the thing.",
      limits: { maxTurns: 5 },
      emit: (e) => {
        events.push(e);
        // The message arrives while the command runs, as a user's would.
        if (e.type === "tool_call") inbox.push({ id: "m1", text: "Use tabs, not spaces." });
      },
      adapter: model,
      redact: (text) => text.replace("tabs", "[redacted]"),
      pendingMessages: async () => inbox.splice(0),
    });

    expect(model.requests[0]?.history).toEqual([{ role: "user", content: "Do the thing." }]);
    expect(model.requests[1]?.history.at(-1)).toEqual({ role: "user", content: "Use [redacted], not spaces." });
    const order = events.map((e) => e.type).filter((t) => t !== "log");
    expect(order).toEqual(["model", "tool_call", "tool_result", "user_message", "model"]);
    expect(events.find((e) => e.type === "user_message")?.data).toEqual({
      messageId: "m1",
      text: "Use [redacted], not spaces.",
      delivered: true,
    });
  });

  it("a failing inbox is logged and the run goes on", async () => {
    const repo = await tempRepo({ "app.txt": "hello\n" });
    cleanups.push(repo.cleanup);
    const events: NewEvent[] = [];
    const model = new FakeModel([[message("Done.")]]);
    const outcome = await runAgent({
      model: "gpt-test",
      client: { apiKey: "unused" },
      workspace: repo.workspace,
      task: "Do the thing.",
      limits: { maxTurns: 5 },
      emit: (e) => events.push(e),
      adapter: model,
      pendingMessages: () => Promise.reject(new Error("database down")),
    });
    expect(outcome.summary).toBe("Done.");
    expect(events.some((e) => e.type === "log" && e.data.text.includes("database down"))).toBe(true);
  });
});
