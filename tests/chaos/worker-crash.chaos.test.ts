import { execFileSync } from "node:child_process";
import { isTerminal, type JobEvent } from "@patchbay/core";
import { JobRepository } from "@patchbay/db";
import { afterAll, beforeAll, expect, it, onTestFailed } from "vitest";
import { fixtureRepo } from "../e2e/stack.js";
import { WorkerCluster } from "./cluster.js";

const JOBS = 30;
const repo = fixtureRepo();
let cluster: WorkerCluster;

const quickScript = {
  turns: [
    { output: [{ type: "shell_call", action: { commands: ["sleep 2 && echo fixed > FIXED.txt"] } }] },
    { output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] },
  ],
};

beforeAll(async () => {
  // A lock of a few seconds keeps the test short; much shorter locks stall falsely on 2 busy cores.
  cluster = await WorkerCluster.create({ quick: quickScript }, 6000);
  cluster.start("chaos-a");
  cluster.start("chaos-b");
});

afterAll(async () => {
  await cluster.close();
  repo.remove();
});

function terminalEvents(events: JobEvent[]): JobEvent[] {
  return events.filter((e) => e.type === "status" && isTerminal(e.data.status));
}

async function submitAll(): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    ids.push(
      await cluster.submit({
        repo: { url: repo.url },
        task: `chaos job ${i}`,
        model: "script:quick",
        checks: { test: "true", lint: "true" },
        limits: { timeoutSec: 300, maxTurns: 5 },
      }),
    );
  }
  return ids;
}

async function allTerminal(ids: string[], timeoutMs: number): Promise<void> {
  const jobs = new JobRepository(cluster.db);
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const states = await Promise.all(ids.map((id) => jobs.findById(id)));
    if (states.every((j) => j && isTerminal(j.status))) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("not every job reached a terminal status in time");
}

/** Waits until the worker runs a job: a container bound to a job carries its worker's label. */
async function runningJob(workerId: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const filters = ["--filter", `label=patchbay.worker=${workerId}`, "--filter", "name=patchbay-job-"];
    if (execFileSync("docker", ["ps", "-q", ...filters], { encoding: "utf8" }).trim()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

it("30 jobs through 2 workers, one SIGKILLed three times: 30 terminal jobs, once each, no gaps, no containers", async () => {
  // The workers' own logs are removed with the cluster: a failure shows their last lines.
  onTestFailed(() => console.error(cluster.logTails()));
  const ids = await submitAll();
  for (let round = 0; round < 3; round++) {
    // Killed while it runs a job (its job's container exists), however slowly it started.
    await runningJob("chaos-a", 60_000);
    await cluster.kill("chaos-a");
    await new Promise((r) => setTimeout(r, 1000));
    cluster.start("chaos-a");
  }
  await allTerminal(ids, 240_000);

  const jobs = new JobRepository(cluster.db);
  let retried = 0;
  let succeeded = 0;
  for (const id of ids) {
    const events = await cluster.events(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(terminalEvents(events)).toHaveLength(1);
    const job = await jobs.findById(id);
    // A job whose worker died more often than the stall limit allows is given up, visibly.
    if (job?.status !== "succeeded") expect(job?.error?.code).toBe("worker_lost");
    else succeeded++;
    if ((job?.attempt ?? 0) > 1) retried++;
  }
  // The kills must have hit running jobs, or this test proves nothing.
  expect(retried).toBeGreaterThan(0);
  expect(succeeded).toBeGreaterThanOrEqual(JOBS - 3);
  const left = () =>
    ids.flatMap((id) =>
      execFileSync("docker", ["ps", "-aq", "--filter", `label=patchbay.job=${id}`], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean),
    );
  // A succeeded job's sandboxes go just after its status (they run nothing by then); one killed in
  // between leaves them to the reaper, which the restarted worker runs as it starts.
  await expect.poll(left, { timeout: 20_000, interval: 250 }).toEqual([]);
}, 300_000);
