import type { NewEvent } from "@patchbay/core";
import { afterEach, describe, expect, it } from "vitest";
import { runAgent } from "./run-agent.js";
import { FakeModel } from "./testing/fake-model.js";
import { functionCall, message, patchCall, shellCall } from "./testing/items.js";
import { tempRepo } from "./testing/temp-repo.js";

const SECRET = "sk_live_9fQ2mX7pL4vR8tY1wN6b";
const redact = (text: string) => text.replaceAll(SECRET, "[redacted]");

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe("runAgent with redact", () => {
  it("takes secrets out of every tool output, the instructions and the task before the model or an event sees them", async () => {
    const repo = await tempRepo({
      "AGENTS.md": `Deploy with token ${SECRET}.\n`,
      ".env": `TOKEN=${SECRET}\n`,
      "lib/AGENTS.md": `Nested note: ${SECRET}\n`,
      // Long output with the secret right where truncation cuts: redaction comes first.
      "big.txt": `${"x".repeat(8150)}${SECRET}${"y".repeat(40_000)}\n`,
    });
    cleanups.push(repo.cleanup);
    const events: NewEvent[] = [];
    const model = new FakeModel([
      [shellCall("c1", ["cat .env", "cat .env >&2", "cat big.txt"])],
      [functionCall("c2", "shell", JSON.stringify({ command: "cat .env" }))],
      [patchCall("c3", { type: "create_file", path: "lib/new.txt", diff: "+hello\n" })],
      [functionCall("c4", "run_checks", "{}")],
      [message("done")],
    ]);
    await runAgent({
      model: "gpt-test",
      client: { apiKey: "unused" },
      workspace: repo.workspace,
      task: `Rotate ${SECRET} please.`,
      limits: { maxTurns: 10 },
      emit: (e) => events.push(e),
      adapter: model,
      runChecks: async () => `checks printed ${SECRET}`,
      redact,
    });
    const sentToModel = JSON.stringify(model.requests.map((r) => ({ i: r.instructions, h: r.history })));
    expect(sentToModel).toContain("[redacted]");
    expect(sentToModel).toContain("Nested note: [redacted]");
    expect(sentToModel).not.toContain(SECRET);
    expect(sentToModel).not.toContain(SECRET.slice(0, 10));
    const results = events.filter((e) => e.type === "tool_result");
    expect(results).toHaveLength(4);
    expect(JSON.stringify(results)).not.toContain(SECRET);
    // The agent's edits still go to the real files: reading is not redacted.
    expect(await repo.workspace.readFile(".env")).toEqual(Buffer.from(`TOKEN=${SECRET}\n`));
  });
});
