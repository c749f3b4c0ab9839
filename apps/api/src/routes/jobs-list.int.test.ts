import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { createHttpServer } from "../server.js";

// The dashboard's search box: GET /v1/jobs?q= finds jobs by task or repository text.
const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queue = new JobQueue(`test-list-${randomUUID()}`, redis);
const project = `list-${randomUUID().slice(0, 8)}`;
let key = "";
let base = "";
let close: () => void = () => {};

async function call(path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(`${base}${path}`, { ...init, headers });
  return { status: res.status, json: (await res.json()) as { data: Array<{ id: string; spec: { task: string } }> } };
}

const tasks = (page: { data: Array<{ spec: { task: string } }> }) => page.data.map((j) => j.spec.task).sort();

beforeAll(async () => {
  key = (await new ApiKeyRepository(db).create({ projectId: project, scopes: ["jobs:read", "jobs:write"] })).key;
  const app = createApp({ db, redis, queue, logger: pino({ level: "silent" }) });
  const server = createHttpServer(app, { maxHeaderBytes: 16_384 }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
  for (const [url, task] of [
    ["https://git.example.com/team/shop.git", "Fix the Cart total"],
    ["https://git.example.com/team/shop.git", "Add a README"],
    ["https://git.example.com/team/Billing.git", "Rename invoices"],
  ]) {
    const body = JSON.stringify({ repo: { url }, task, model: "script:none" });
    expect((await call("/v1/jobs", { method: "POST", body })).status).toBe(202);
  }
});

afterAll(async () => {
  close();
  await db.job.deleteMany({ where: { projectId: project } });
  await db.project.deleteMany({ where: { id: project } });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
});

describe("GET /v1/jobs?q=", () => {
  it("matches the task in any case", async () => {
    expect(tasks((await call("/v1/jobs?q=cart")).json)).toEqual(["Fix the Cart total"]);
  });

  it("matches the repository URL, and combines with the other filters", async () => {
    expect(tasks((await call("/v1/jobs?q=billing")).json)).toEqual(["Rename invoices"]);
    expect(tasks((await call("/v1/jobs?q=shop")).json)).toEqual(["Add a README", "Fix the Cart total"]);
    expect(tasks((await call("/v1/jobs?q=shop&status=running")).json)).toEqual([]);
    expect(tasks((await call("/v1/jobs?q=readme&kind=change")).json)).toEqual(["Add a README"]);
  });

  it("without q lists every job; a blank or too long q is refused", async () => {
    expect((await call("/v1/jobs")).json.data).toHaveLength(3);
    expect((await call("/v1/jobs?q=%20")).status).toBe(400);
    expect((await call(`/v1/jobs?q=${"x".repeat(201)}`)).status).toBe(400);
  });
});
