import type { JobResult } from "@patchbay/core";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersGone, fixtureRepo, type Stack, startStack, streamEvents, submit, waitTerminal } from "./stack.js";

const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });
const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const FIX = "s/const shipping = sub > FREE_SHIPPING_FROM/const shipping = discounted >= FREE_SHIPPING_FROM/";

// The agent's last turn comes this late, as a real model's would: the baseline (fast commands below)
// is done by then, also on a loaded CI machine.
const THINKING = { type: "slow_first_byte" as const, delayMs: 10_000 };
// Fails before the fix and passes after it, in milliseconds (npm test takes seconds under load).
const FIXED = "grep -q 'discounted >= FREE' src/cart.js";

const SCRIPTS: Record<string, ModelScript> = {
  fix: { turns: [{ output: [shell(`sed -i '${FIX}' src/cart.js`)] }, { output: [say("Fixed.")] }] },
  "fix-slowly": {
    turns: [{ output: [shell(`sed -i '${FIX}' src/cart.js`)] }, { output: [say("Fixed.")], fault: THINKING }],
  },
  // Adds the very file the baseline's test command generates, with other content.
  "add-generated": {
    turns: [
      { output: [shell(`sed -i '${FIX}' src/cart.js`, "echo from-the-agent > generated.txt")] },
      { output: [say("Fixed, and wrote generated.txt.")], fault: THINKING },
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

async function run(spec: Record<string, unknown>) {
  const { job } = await submit(stack.api, { repo: { url: repo.url }, task: "fix the cart", ...spec });
  const done = (await waitTerminal(stack.api, job.id, 300_000)) as unknown as { status: string; result: JobResult };
  return { id: job.id, done, events: await streamEvents(stack.api, job.id) };
}

describe("the baseline checks run beside the agent", () => {
  it("the agent works while the baseline runs; the baseline's sandbox then judges the stored patch", async () => {
    const { id, done, events } = await run({ model: "script:fix-slowly", checks: { test: FIXED, lint: "true" } });
    expect(done.status).toBe("succeeded");
    const seqOf = (match: (e: (typeof events)[number]) => boolean) => events.find(match)?.seq ?? Number.NaN;
    const agentStarted = seqOf((e) => e.type === "status" && e.data.phase === "agent");
    const agentDone = seqOf((e) => e.type === "model" && e.data.turn === 2);
    const baselineCheck = seqOf((e) => e.type === "check" && e.data.stage === "baseline");
    expect(agentStarted).toBeLessThan(baselineCheck);
    expect(baselineCheck).toBeLessThan(agentDone);
    expect(done.result.afterChecksIn).toBe("baseline_sandbox");
    expect(done.result.checks.before.find((c) => c.kind === "test")?.passed).toBe(false);
    expect(done.result.checks.after.find((c) => c.kind === "test")?.passed).toBe(true);
    await containersGone(id);
  }, 320_000);

  it("an agent done before a slow baseline: a fresh sandbox judges the stored patch beside it", async () => {
    // The baseline's test takes 20 s: the after-checks must not wait for it.
    const { id, done, events } = await run({
      model: "script:fix",
      checks: { test: "if grep -q 'discounted >= FREE' src/cart.js; then npm test; else sleep 20; npm test; fi" },
    });
    expect(done.status).toBe("succeeded");
    const seqOf = (match: (e: (typeof events)[number]) => boolean) => events.find(match)?.seq ?? Number.NaN;
    const afterCheck = seqOf((e) => e.type === "check" && e.data.stage === "after");
    const baselineCheck = seqOf((e) => e.type === "check" && e.data.stage === "baseline");
    expect(afterCheck).toBeLessThan(baselineCheck);
    expect(done.result.afterChecksIn).toBe("fresh_sandbox");
    const notes = events.flatMap((e) => (e.type === "log" && e.data.source === "patchbay" ? [e.data.text] : []));
    expect(notes.join("")).toContain("beside the unfinished baseline");
    // The verdict still has both: the job waited for the baseline.
    expect(done.result.checks.before.find((c) => c.kind === "test")?.passed).toBe(false);
    expect(done.result.checks.after.find((c) => c.kind === "test")?.passed).toBe(true);
    expect(done.result.checks.fixed?.length).toBeGreaterThan(0);
    await containersGone(id);
  }, 320_000);

  it("a patch that does not apply over what the baseline left is judged in a fresh sandbox", async () => {
    const { id, done, events } = await run({
      model: "script:add-generated",
      checks: { test: `echo from-the-baseline > generated.txt; ${FIXED}`, lint: "true" },
    });
    expect(done.status).toBe("succeeded");
    expect(done.result.afterChecksIn).toBe("fresh_sandbox");
    const notes = events.flatMap((e) => (e.type === "log" && e.data.source === "patchbay" ? [e.data.text] : []));
    expect(notes.join("")).toContain("does not apply over the baseline's leftovers");
    const patch = await (await fetch(`${stack.api}/v1/jobs/${id}/patch`)).text();
    expect(patch).toContain("+from-the-agent");
    expect(done.result.checks.passed).toBe(true);
    await containersGone(id);
  }, 320_000);
});

describe("a baseline kept for later jobs on the same tree", () => {
  const shared = fixtureRepo();
  afterAll(() => shared.remove());

  const runOn = async (url: string, spec: Record<string, unknown>) => {
    const { job } = await submit(stack.api, { repo: { url }, task: "fix the cart", model: "script:fix", ...spec });
    const done = (await waitTerminal(stack.api, job.id, 300_000)) as unknown as { status: string; result: JobResult };
    const events = await streamEvents(stack.api, job.id);
    return {
      id: job.id,
      done,
      baselineChecks: events.filter((e) => e.type === "check" && e.data.stage === "baseline"),
    };
  };

  it("stands for a later job's baseline; checks.baseline 'run' and other commands run their own", async () => {
    const first = await runOn(shared.url, {});
    expect(first.done.status).toBe("succeeded");
    expect(first.done.result.baselineFrom).toBeUndefined();
    expect(first.baselineChecks.length).toBeGreaterThan(0);
    // The first job's end waited for its baseline to be kept: the next job finds it at once.
    const second = await runOn(shared.url, {});
    expect(second.done.status).toBe("succeeded");
    expect(second.done.result.baselineFrom).toBe(first.id);
    expect(second.baselineChecks).toEqual([]);
    expect(second.done.result.checks.before).toEqual(first.done.result.checks.before);
    // No baseline sandbox to judge in: the stored patch is judged in a fresh one, and fixes what it fixed.
    expect(second.done.result.afterChecksIn).toBe("fresh_sandbox");
    expect(second.done.result.checks.fixed).toEqual(first.done.result.checks.fixed);
    await containersGone(second.id);

    const fresh = await runOn(shared.url, { checks: { baseline: "run" } });
    expect(fresh.done.result.baselineFrom).toBeUndefined();
    expect(fresh.baselineChecks.length).toBeGreaterThan(0);

    const otherCommand = await runOn(shared.url, { checks: { test: "npm test --silent" } });
    expect(otherCommand.done.result.baselineFrom).toBeUndefined();
    expect(otherCommand.baselineChecks.length).toBeGreaterThan(0);
  }, 600_000);

  it("refuses a checks.baseline that is neither reuse nor run", async () => {
    const spec = { repo: { url: shared.url }, task: "x", checks: { baseline: "sometimes" } };
    const { status, job } = await submit(stack.api, spec);
    expect(status).toBe(400);
    expect(JSON.stringify(job)).toContain('checks.baseline must be \\"reuse\\" or \\"run\\"');
  });
});
