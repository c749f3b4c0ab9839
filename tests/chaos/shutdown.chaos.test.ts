import { isTerminal } from "@patchbay/core";
import { JobRepository } from "@patchbay/db";
import { afterAll, beforeAll, expect, it, onTestFailed } from "vitest";
import { fixtureRepo } from "../e2e/stack.js";
import { WorkerCluster } from "./cluster.js";

const repo = fixtureRepo();
let cluster: WorkerCluster;
const slow = {
  turns: [
    { output: [{ type: "shell_call", action: { commands: ["sleep 8 && echo ok > OK.txt"] } }] },
    { output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] }] },
  ],
};

beforeAll(async () => {
  cluster = await WorkerCluster.create({ slow });
});

afterAll(async () => {
  await cluster.close();
  repo.remove();
});

it("SIGTERM hands a running job back after the grace period and another worker finishes it", async () => {
  // The workers' own logs are removed with the cluster: a failure shows their last lines.
  onTestFailed(() => console.error(cluster.logTails()));
  cluster.start("graceful-a", { PATCHBAY_SHUTDOWN_GRACE_SEC: "1" });
  const jobs = new JobRepository(cluster.db);
  const id = await cluster.submit({
    repo: { url: repo.url },
    task: "t",
    model: "script:slow",
    checks: { test: "true" },
  });
  const job = { id };
  for (let i = 0; i < 600 && (await jobs.findById(job.id))?.phase !== "agent"; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await cluster.kill("graceful-a", "SIGTERM");
  const handedBack = await cluster.events(job.id);
  expect(handedBack.at(-1)).toMatchObject({ type: "status", data: { status: "queued" } });

  cluster.start("graceful-b");
  let done = await jobs.findById(job.id);
  for (let i = 0; i < 900 && done && !isTerminal(done.status); i++) {
    await new Promise((r) => setTimeout(r, 100));
    done = await jobs.findById(job.id);
  }
  expect(done?.status).toBe("succeeded");
  expect(done?.attempt).toBe(2);
  const events = await cluster.events(job.id);
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}, 180_000);
