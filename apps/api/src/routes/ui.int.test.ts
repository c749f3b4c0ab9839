import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { createHttpServer } from "../server.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queue = new JobQueue(`test-ui-${randomUUID()}`, redis);
const tag = randomUUID().slice(0, 8);
const [A, B] = [`ui-a-${tag}`, `ui-b-${tag}`];
const keys: Record<string, string> = {};
const jobs: Record<string, string> = {};
let base = "";
let close: () => void = () => {};

async function call(path: string, key: string | null, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(`${base}${path}`, { ...init, headers, redirect: "manual" });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    json: (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

const mint = (job: string, key: string | null) => call(`/v1/jobs/${job}/stream-token`, key, { method: "POST" });

/** Opens the event stream with `?token=` and returns the status and the first chunk of events. */
async function openStream(job: string, token: string, path = `/v1/jobs/${job}/events`) {
  const abort = new AbortController();
  const res = await fetch(`${base}${path}?token=${encodeURIComponent(token)}`, { signal: abort.signal });
  if (res.status !== 200) return { status: res.status, text: await res.text() };
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("event: status")) text += new TextDecoder().decode((await reader.read()).value);
  abort.abort();
  return { status: 200, text };
}

beforeAll(async () => {
  const repo = new ApiKeyRepository(db);
  keys.aRead = (await repo.create({ projectId: A, scopes: ["jobs:read"] })).key;
  keys.aWrite = (await repo.create({ projectId: A, scopes: ["jobs:read", "jobs:write"] })).key;
  keys.aRevoked = (await repo.create({ projectId: A, scopes: ["jobs:read"] })).key;
  keys.bWrite = (await repo.create({ projectId: B, scopes: ["jobs:read", "jobs:write"] })).key;
  const app = createApp({
    db,
    redis,
    queue,
    logger: pino({ level: "silent" }),
    secretsKey: randomBytes(32).toString("hex"),
  });
  const server = createHttpServer(app, { maxHeaderBytes: 16_384 }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
  const spec = { repo: { url: "https://git.example.com/team/repo.git" }, task: "fix it", model: "script:none" };
  for (const [name, key] of [
    ["a1", keys.aWrite],
    ["a2", keys.aWrite],
    ["b1", keys.bWrite],
  ] as const) {
    jobs[name] = (await call("/v1/jobs", key, { method: "POST", body: JSON.stringify(spec) })).json.id as string;
  }
});

afterAll(async () => {
  close();
  await db.job.deleteMany({ where: { projectId: { in: [A, B] } } });
  await db.project.deleteMany({ where: { id: { in: [A, B] } } });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
});

describe("the dashboard's API", () => {
  it("redirects / to /ui/", async () => {
    const res = await call("/", null);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/ui/");
  });

  it("whoami names the key's project and scopes, and needs a key", async () => {
    expect((await call("/v1/auth/whoami", keys.aRead!)).json).toMatchObject({ projectId: A, scopes: ["jobs:read"] });
    expect((await call("/v1/auth/whoami", null)).status).toBe(401);
  });

  it("a read-only key mints a 5-minute token that opens its job's event stream without a header", async () => {
    const res = await mint(jobs.a1!, keys.aRead!);
    expect(res.status).toBe(200);
    const left = Date.parse(res.json.expiresAt as string) - Date.now();
    expect(left).toBeGreaterThan(290_000);
    expect(left).toBeLessThanOrEqual(300_000);
    const stream = await openStream(jobs.a1!, res.json.token as string);
    expect(stream.status).toBe(200);
    expect(stream.text).toContain('"status":"queued"');
  });

  it("the token opens nothing else: another job, other routes, as a Bearer key", async () => {
    const token = (await mint(jobs.a1!, keys.aRead!)).json.token as string;
    expect((await openStream(jobs.a2!, token)).status).toBe(401);
    expect((await openStream(jobs.b1!, token)).status).toBe(401);
    for (const path of [
      `/v1/jobs/${jobs.a1}`,
      `/v1/jobs/${jobs.a1}/patch`,
      "/v1/jobs",
      `/v1/jobs/${jobs.a1}/trajectory`,
    ]) {
      expect((await openStream(jobs.a1!, token, path)).status, path).toBe(401);
    }
    expect((await call(`/v1/jobs/${jobs.a1}/events`, token)).status).toBe(401);
    expect((await call(`/v1/jobs/${jobs.a1}/cancel`, token, { method: "POST" })).status).toBe(401);
    expect((await openStream(jobs.a1!, `${token.slice(0, -2)}xx`)).status).toBe(401);
  });

  it("another project's job is a 404 and needs a key; a revoked key's tokens stop working", async () => {
    expect((await mint(jobs.b1!, keys.aRead!)).status).toBe(404);
    expect((await mint(jobs.a1!, null)).status).toBe(401);
    const token = (await mint(jobs.a1!, keys.aRevoked!)).json.token as string;
    expect((await openStream(jobs.a1!, token)).status).toBe(200);
    await new ApiKeyRepository(db).revoke(keys.aRevoked!.split("_")[1]!);
    const refused = await openStream(jobs.a1!, token);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain("no longer valid");
  });
});
