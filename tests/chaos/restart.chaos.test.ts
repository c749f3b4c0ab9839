import { readFileSync } from "node:fs";
import { isTerminal } from "@patchbay/core";
import { type JobRecord, JobRepository } from "@patchbay/db";
import { afterAll, beforeAll, expect, it, onTestFailed } from "vitest";
import { fixtureRepo } from "../e2e/stack.js";
import { WorkerCluster } from "./cluster.js";
import { startServices, stopPostgres, stopRedis } from "./services.js";

const repo = fixtureRepo();
let cluster: WorkerCluster;
let api = "";

/** Polls the API's /readyz until it answers with `status`; returns the last body. */
async function waitForReady(status: number, ms: number): Promise<{ postgres: boolean; redis: boolean }> {
  const end = Date.now() + ms;
  for (;;) {
    const res = await fetch(`${api}/readyz`).catch(() => null);
    if (res?.status === status) return (await res.json()) as { postgres: boolean; redis: boolean };
    if (Date.now() > end) throw new Error(`/readyz never answered ${status} (last: ${res?.status ?? "no answer"})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
const sleepy = {
  turns: [
    { output: [{ type: "shell_call", action: { commands: ["sleep 3 && echo ok > OK.txt"] } }] },
    { output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] },
  ],
};

beforeAll(async () => {
  cluster = await WorkerCluster.create({ sleepy }, 5000);
  cluster.start("restart-a");
  api = await cluster.startApi("restart-api");
  await waitForReady(200, 60_000);
});

afterAll(async () => {
  await startServices();
  await cluster.close();
  repo.remove();
});

async function submit(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      await cluster.submit({
        repo: { url: repo.url },
        task: `restart ${i}`,
        model: "script:sleepy",
        checks: { test: "true" },
      }),
    );
  }
  return ids;
}

/** Status, phase, attempt and BullMQ state of each job: what a failure needs to be understood. */
async function describeJobs(jobs: (JobRecord | null)[]): Promise<string> {
  const lines = await Promise.all(
    jobs.map(async (j) => {
      if (!j) return "missing";
      const entry = await cluster.queue.queue.getJob(j.id);
      const state = entry ? await entry.getState() : "no queue entry";
      return `${j.id} ${j.status}/${j.phase ?? "-"} attempt ${j.attempt}, queue: ${state}`;
    }),
  );
  return lines.join("; ");
}

/** For each job that did not succeed: its error, its last events and the worker log's tail. */
async function explainFailures(ids: string[]): Promise<string> {
  if (ids.length === 0) return "";
  const jobs = new JobRepository(cluster.db);
  const parts = await Promise.all(
    ids.map(async (id) => {
      const job = await jobs.findById(id);
      const events = (await cluster.events(id)).slice(-8).map((e) => `${e.type} ${JSON.stringify(e.data)}`);
      return `${id} ${job?.status}: ${JSON.stringify(job?.error)}\n  ${events.join("\n  ")}`;
    }),
  );
  return `${parts.join("\n")}\n${workerLogTail()}`;
}

function workerLogTail(): string {
  return `worker log (tail):\n${readFileSync(cluster.logPath("restart-a"), "utf8").split("\n").slice(-60).join("\n")}`;
}

async function waitAllTerminal(ids: string[], ms: number): Promise<Map<string, string>> {
  const jobs = new JobRepository(cluster.db);
  const end = Date.now() + ms;
  for (;;) {
    const found = await Promise.all(ids.map((id) => jobs.findById(id).catch(() => null)));
    if (found.every((j) => j && isTerminal(j.status))) return new Map(found.map((j) => [j!.id, j!.status]));
    if (Date.now() > end) throw new Error(`not all terminal: ${await describeJobs(found)}\n${workerLogTail()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

it("a Redis restart and a Postgres restart in the middle of a run lose no job and need no process restart", async () => {
  // The workers' own logs are removed with the cluster: a failure shows their last lines.
  onTestFailed(() => console.error(cluster.logTails()));
  const ids = await submit(6);
  await new Promise((r) => setTimeout(r, 4000));
  await stopRedis(cluster.config.REDIS_URL);
  expect(await waitForReady(503, 10_000)).toMatchObject({ redis: false });
  await new Promise((r) => setTimeout(r, 2000));
  await startServices();
  await new Promise((r) => setTimeout(r, 3000));
  await stopPostgres();
  expect(await waitForReady(503, 10_000)).toMatchObject({ postgres: false });
  await new Promise((r) => setTimeout(r, 2000));
  await startServices();
  // The API process rode out both outages too.
  await waitForReady(200, 30_000);

  const statuses = await waitAllTerminal(ids, 180_000);
  // The same worker process rode out both outages: nothing had to restart it.
  expect(cluster.alive("restart-a")).toBe(true);
  const failed = ids.filter((id) => statuses.get(id) !== "succeeded");
  expect(failed, await explainFailures(failed)).toEqual([]);
  for (const id of ids) {
    const events = await cluster.events(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  }
}, 240_000);
