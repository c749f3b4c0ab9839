import { type JobEvent, ZERO_USAGE } from "@patchbay/core";
import { JobEventRepository } from "@patchbay/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersFor, fixtureRepo, type Stack, startStack, submit, waitTerminal } from "./stack.js";

// Two model calls, the second of which starts a command that outlives the job.
const TWO_TURNS_THEN_SLEEP = {
  turns: [
    { output: [{ type: "shell_call" as const, action: { commands: ["ls"] } }] },
    { output: [{ type: "shell_call" as const, action: { commands: ["sleep 60"] } }] },
  ],
};

let stack: Stack;
let events: JobEventRepository;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({ "sleep-on-second-turn": TWO_TURNS_THEN_SLEEP });
  events = new JobEventRepository(stack.db);
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

async function allEvents(jobId: string): Promise<JobEvent[]> {
  return events.listAfter(jobId, 0, 100_000);
}

/** Waits until the agent has started the `sleep 60` of its second turn. */
async function waitForSleep(jobId: string, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const started = (await allEvents(jobId)).some(
      (e) => e.type === "tool_call" && JSON.stringify(e.data).includes("sleep 60"),
    );
    if (started) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`job ${jobId} never reached its sleep`);
}

/** The usage the job's `model` events add up to. */
function usageOfEvents(list: JobEvent[]) {
  let total = { ...ZERO_USAGE, turns: 0 };
  for (const e of list) {
    if (e.type !== "model") continue;
    const u = e.data.usage;
    total = {
      inputTokens: total.inputTokens + u.inputTokens,
      cachedInputTokens: total.cachedInputTokens + u.cachedInputTokens,
      outputTokens: total.outputTokens + u.outputTokens,
      reasoningTokens: total.reasoningTokens + u.reasoningTokens,
      turns: total.turns + 1,
    };
  }
  return total;
}

type UsageJson = { turns: number; inputTokens: number; cachedInputTokens: number; outputTokens: number };

function expectUsageOfBothCalls(usage: UsageJson | undefined, list: JobEvent[]): void {
  const expected = usageOfEvents(list);
  expect(expected.turns).toBe(2);
  expect(expected.inputTokens).toBeGreaterThan(0);
  expect(expected.outputTokens).toBeGreaterThan(0);
  expect(usage).toMatchObject({
    turns: 2,
    inputTokens: expected.inputTokens,
    cachedInputTokens: expected.cachedInputTokens,
    outputTokens: expected.outputTokens,
  });
}

describe("usage of a job that does not finish", () => {
  it("a cancelled job reports the turns and tokens of the model calls it made", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "Look around, then wait.",
      model: "script:sleep-on-second-turn",
    });
    await waitForSleep(job.id);
    expect((await fetch(`${stack.api}/v1/jobs/${job.id}/cancel`, { method: "POST" })).status).toBe(202);
    const done = await waitTerminal(stack.api, job.id, 30_000);
    expect(done.status).toBe("cancelled");
    expectUsageOfBothCalls(done.result?.usage as UsageJson | undefined, await allEvents(job.id));
    expect(containersFor(job.id)).toEqual([]);
  }, 180_000);

  it("a timed-out job reports the turns and tokens of the model calls it made", async () => {
    const { job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: "Look around, then wait.",
      model: "script:sleep-on-second-turn",
      // Long enough for clone, setup, baseline and two model turns on a busy machine; the sleep outlasts it.
      limits: { timeoutSec: 40, maxTurns: 10 },
    });
    const done = await waitTerminal(stack.api, job.id, 120_000);
    expect(done.status).toBe("timed_out");
    expectUsageOfBothCalls(done.result?.usage as UsageJson | undefined, await allEvents(job.id));
    expect(containersFor(job.id)).toEqual([]);
  }, 180_000);
});
