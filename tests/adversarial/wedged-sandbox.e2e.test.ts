import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containersFor,
  containersGone,
  fixtureRepo,
  type Stack,
  startStack,
  submit,
  waitTerminal,
} from "../e2e/stack.js";

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });
// The snapshot of what setup left exists when the agent starts; the agent swaps it for a FIFO.
const PLANT_FIFO = "rm -f .git/patchbay/untracked-before && mkfifo .git/patchbay/untracked-before";

const SCRIPTS: Record<string, ModelScript> = {
  "fifo-then-finish": {
    turns: [{ output: [shell(PLANT_FIFO, "echo changed >> README.md")] }, { output: [say("done")] }],
  },
  "fifo-then-stall": {
    turns: [{ output: [shell(PLANT_FIFO, "echo changed >> README.md", "sleep 300")] }, { output: [say("done")] }],
  },
};

let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack(SCRIPTS, { PATCHBAY_SANDBOX_POOL_SIZE: "0" });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

describe("a FIFO planted in the patch collection's scratch folder", () => {
  it("does not block patch collection: the job succeeds with the agent's change", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "plant a FIFO",
      model: "script:fifo-then-finish",
      limits: { timeoutSec: 60 },
    });
    const done = await waitTerminal(stack.api, job.id, 120_000);
    // Succeeded, so before its 60 s deadline (before the fix it stayed running until the reaper).
    expect(done.status).toBe("succeeded");
    const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
    expect(patch).toContain("+changed");
    await containersGone(job.id);
  }, 150_000);

  it("does not hold a timed-out job past its timeout: it ends timed_out with the partial patch", async () => {
    const started = Date.now();
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "plant a FIFO and stall",
      model: "script:fifo-then-stall",
      limits: { timeoutSec: 20 },
    });
    const done = await waitTerminal(stack.api, job.id, 120_000);
    expect(done.status).toBe("timed_out");
    // The deadline plus the time a partial patch collection takes, never the reaper's minutes.
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text()).toContain("+changed");
    expect(containersFor(job.id)).toEqual([]);
  }, 150_000);
});
