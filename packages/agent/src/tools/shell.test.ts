import { afterEach, describe, expect, it } from "vitest";
import { runAgent } from "../run-agent.js";
import { FakeModel } from "../testing/fake-model.js";
import { message, shellCall } from "../testing/items.js";
import { tempRepo } from "../testing/temp-repo.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe("a model's timeout_ms", () => {
  it("never runs a command past the operator's command timeout", async () => {
    const repo = await tempRepo({ "a.txt": "a\n" });
    cleanups.push(repo.cleanup);
    // The model asks for ten minutes; the operator allows half a second.
    const model = new FakeModel([[shellCall("s1", ["sleep 5"], 600_000)], [message("done")]]);
    const started = Date.now();
    await runAgent({
      model: "gpt-test",
      client: { apiKey: "unused" },
      workspace: repo.workspace,
      task: "wait",
      limits: { maxTurns: 5 },
      emit: () => undefined,
      adapter: model,
      commandTimeoutMs: 500,
    });
    expect(Date.now() - started).toBeLessThan(4_000);
    const output = model.requests[1]?.history.find((i) => "type" in i && i.type === "shell_call_output");
    expect(output).toMatchObject({ output: [{ outcome: { type: "timeout" } }] });
  });
});
