import { isTerminal } from "@patchbay/core";
import { JobRepository } from "@patchbay/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fixtureRepo } from "../e2e/stack.js";
import { WorkerCluster } from "./cluster.js";
import { startServices, stopPostgres, stopRedis } from "./services.js";

const repo = fixtureRepo();
let cluster: WorkerCluster;
const sleepy = {
  turns: [
    { output: [{ type: "shell_call", action: { commands: ["sleep 3 && echo ok > OK.txt"] } }] },
    { output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] },
  ],
};

beforeAll(async () => {
  cluster = await WorkerCluster.create({ sleepy }, 5000);
  cluster.start("restart-a");
});

afterAll(async () => {
  startServices();
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

async function waitAllTerminal(ids: string[], ms: number): Promise<Map<string, string>> {
  const jobs = new JobRepository(cluster.db);
  const end = Date.now() + ms;
  for (;;) {
    const found = await Promise.all(ids.map((id) => jobs.findById(id).catch(() => null)));
    if (found.every((j) => j && isTerminal(j.status))) return new Map(found.map((j) => [j!.id, j!.status]));
    if (Date.now() > end) throw new Error(`not all terminal: ${found.map((j) => j?.status).join(",")}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

it("a Redis restart and a Postgres restart in the middle of a run lose no job", async () => {
  const ids = await submit(6);
  await new Promise((r) => setTimeout(r, 4000));
  stopRedis(cluster.config.REDIS_URL);
  await new Promise((r) => setTimeout(r, 3000));
  startServices();
  await new Promise((r) => setTimeout(r, 3000));
  stopPostgres();
  await new Promise((r) => setTimeout(r, 3000));
  startServices();

  const statuses = await waitAllTerminal(ids, 180_000);
  expect([...statuses.values()]).toEqual(ids.map(() => "succeeded"));
  for (const id of ids) {
    const events = await cluster.events(id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  }
}, 240_000);
