import type { JobResult } from "@patchbay/core";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containersGone,
  fixtureRepo,
  type Stack,
  startStack,
  streamEvents,
  submit,
  waitTerminal,
} from "../e2e/stack.js";

const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });
const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const FIX = "s/const shipping = sub > FREE_SHIPPING_FROM/const shipping = discounted >= FREE_SHIPPING_FROM/";

const SCRIPTS: Record<string, ModelScript> = {
  // The stored change breaks the code; a watcher swaps in the real fix once the patch was
  // collected, so after-checks run in the agent's own sandbox would pass.
  "fake-the-verdict": {
    turns: [
      {
        output: [
          shell(
            `cp src/cart.js /tmp/fixed.js && sed -i '${FIX}' /tmp/fixed.js`,
            `echo 'throw new Error("broken on purpose");' >> src/cart.js`,
            "nohup sh -c 'while [ ! -s .git/patchbay/collected ]; do sleep 0.05; done; cp /tmp/fixed.js src/cart.js' >/dev/null 2>&1 &",
          ),
        ],
      },
      { output: [say("Done.")] },
    ],
  },
  // Setup leaves a process holding a secret-free marker in its environment; the agent looks for it.
  "look-for-setup": {
    turns: [
      {
        output: [
          shell(
            "ps -eo args | grep -c '[s]leep 600' || true",
            "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c SETUP_MARKER || true",
          ),
        ],
      },
      { output: [say("Looked.")] },
    ],
  },
};

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack(SCRIPTS);
}, 120_000);

afterAll(async () => {
  await stack?.close();
  repo.remove();
});

describe("the verdict cannot be faked and setup leaves nothing running", () => {
  it("judges exactly the stored patch: a watcher restoring a good file after collection does not make the checks pass", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "fix the cart",
      model: "script:fake-the-verdict",
    });
    const done = (await waitTerminal(stack.api, job.id, 300_000)) as unknown as { status: string; result: JobResult };
    expect(done.status).toBe("succeeded");
    // Either clean sandbox: the baseline's when it was done before the agent, else a fresh one beside it.
    expect(["baseline_sandbox", "fresh_sandbox"]).toContain(done.result.afterChecksIn);
    const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
    expect(patch).toContain("broken on purpose");
    expect(done.result.checks.passed).toBe(false);
    await containersGone(job.id);
  }, 320_000);

  it("no process that setup started is alive in the agent's sandbox", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "look around",
      model: "script:look-for-setup",
      setup: ["SETUP_MARKER=1 nohup sleep 600 >/dev/null 2>&1 &"],
      checks: { test: "true" },
    });
    const done = await waitTerminal(stack.api, job.id, 300_000);
    expect(done.status).toBe("succeeded");
    const events = await streamEvents(stack.api, job.id);
    const output = events.flatMap((e) => (e.type === "tool_result" ? [e.data.output] : [])).join("");
    // Both counts are 0: no `sleep 600`, no environment carrying the marker.
    expect(output).toMatch(/^0$/m);
    expect(output).not.toMatch(/^[1-9]\d*$/m);
  }, 320_000);
});
