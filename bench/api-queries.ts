/**
 * `npm run bench -- api-queries [--requests=20]`: Postgres queries (every statement sent, BEGIN and
 * COMMIT included) and Redis commands per API request of each kind of the load mix (submit, get,
 * list, the event replay of a finished job), counted in-process against the real services. Round
 * trips do not depend on how busy the machine is, unlike latency; JSON in bench/results/.
 */
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb, JobRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import pg from "pg";
import pino from "pino";
import { createApp } from "../apps/api/src/app.js";
import { flags, load, writeResult } from "./load-stack.js";

const opts = flags({ requests: 20 });
let queries = 0;
// Every statement of every pool client goes through Client#query (Prisma's pg adapter included).
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  queries++;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
let commands = 0;
const send = redis.sendCommand.bind(redis);
redis.sendCommand = ((...args: Parameters<typeof send>) => {
  commands++;
  return send(...args);
}) as typeof send;
const queue = new JobQueue(`bench-queries-${randomUUID()}`, redis);
const projectId = `bench-queries-${randomUUID().slice(0, 8)}`;
const key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["admin"] })).key;
const app = createApp({ db, redis, queue, logger: pino({ level: "silent" }), access: { allowFileRepos: true } });
const server = app.listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}`);
  return res.text();
};
try {
  const spec = { repo: { url: "file:///nonexistent/repo" }, task: "count", model: "script:none" };
  const id = (JSON.parse(await call("POST", "/v1/jobs", spec)) as { id: string }).id;
  await new JobRepository(db).transition(id, "failed", {
    error: { code: "repo_clone_failed", message: "bench", retryable: false },
  });
  const ops: Record<string, () => Promise<string>> = {
    submit: () => call("POST", "/v1/jobs", spec),
    get: () => call("GET", `/v1/jobs/${id}`),
    list: () => call("GET", "/v1/jobs?limit=20"),
    events: () => call("GET", `/v1/jobs/${id}/events`),
  };
  const perRequest: Record<string, { postgres: number; redis: number }> = {};
  for (const [op, run] of Object.entries(ops)) {
    const [q, c] = [queries, commands];
    for (let i = 0; i < opts.requests!; i++) await run();
    // Work a request leaves behind (e.g. recording a key's use) is counted too.
    await new Promise((r) => setTimeout(r, 200));
    perRequest[op] = { postgres: (queries - q) / opts.requests!, redis: (commands - c) / opts.requests! };
  }
  const file = writeResult("api-queries", {
    benchmark: "api-queries",
    at: new Date().toISOString(),
    commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim(),
    options: opts,
    load: load(),
    perRequest,
  });
  process.stderr.write(`${JSON.stringify(perRequest)}\nwrote ${file}\n`);
} finally {
  server.close();
  await db.job.deleteMany({ where: { projectId } });
  await db.apiKey.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
}
