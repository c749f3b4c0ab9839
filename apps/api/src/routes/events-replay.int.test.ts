import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb, JobEventRepository, JobRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queue = new JobQueue(`test-replay-${randomUUID()}`, redis);
const projectId = `replay-test-${randomUUID().slice(0, 8)}`;
let base = "";
let key = "";
let close: () => void = () => {};

const authed = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });

/** A failed job with `logs` log events (plus queued, failed and error: logs + 3 in all). */
async function finishedJob(logs: number): Promise<string> {
  const res = await (
    await fetch(`${base}/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ repo: { url: "file:///nonexistent/repo" }, task: "replay", model: "script:none" }),
    })
  ).json();
  const id = (res as { id: string }).id;
  const events = Array.from({ length: logs }, (_, i) => ({
    type: "log" as const,
    data: { stream: "stdout" as const, text: `line ${i}\n` },
  }));
  await new JobEventRepository(db).appendBatch(id, events);
  await new JobRepository(db).transition(id, "failed", {
    error: { code: "repo_clone_failed", message: "x", retryable: false },
  });
  return id;
}

beforeAll(async () => {
  key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["jobs:read", "jobs:write"] })).key;
  const app = createApp({ db, redis, queue, logger: pino({ level: "silent" }), access: { allowFileRepos: true } });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(async () => {
  close();
  await db.job.deleteMany({ where: { projectId } });
  await db.project.delete({ where: { id: projectId } });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
});

describe("the event stream of a finished job", () => {
  it("replays every event once and closes, across pages of the log (a page-sized log included)", async () => {
    for (const logs of [997, 998, 1_200]) {
      const id = await finishedJob(logs);
      const text = await (await authed(`/v1/jobs/${id}/events`)).text();
      const seqs = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(seqs, `${logs} logs`).toEqual(Array.from({ length: logs + 3 }, (_, i) => i + 1));
      const resumed = await (await authed(`/v1/jobs/${id}/events?after=500`)).text();
      expect([...resumed.matchAll(/^id: (\d+)$/gm)].length).toBe(logs + 3 - 500);
    }
  });
});
