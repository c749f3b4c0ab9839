import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb, JobEventRepository, JobRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queue = new JobQueue(`test-api-${randomUUID()}`, redis);
let base = "";
let close: () => void = () => {};
let key = "";
const projectId = `api-test-${randomUUID().slice(0, 8)}`;

/** fetch with this test's API key. */
function authed(url: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${key}`);
  return fetch(url, { ...init, headers });
}

const spec = (task = "fix the bug") => ({ repo: { url: "file:///nonexistent/repo" }, task, model: "script:none" });

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await authed(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  return { status: res.status, json, headers: res.headers };
}

beforeAll(async () => {
  key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["jobs:read", "jobs:write"] })).key;
  const app = createApp({
    db,
    redis,
    queue,
    logger: pino({ level: "silent" }),
    events: { pollMs: 20 },
    access: { allowFileRepos: true },
  });
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

describe("POST /v1/jobs", () => {
  it("accepts a valid spec with 202, stores it queued and enqueues it", async () => {
    const { status, json, headers } = await post("/v1/jobs", spec());
    expect(status).toBe(202);
    expect(json.status).toBe("queued");
    expect(headers.get("location")).toBe(`/v1/jobs/${json.id}`);
    expect(await queue.has(json.id as string)).toBe(true);
    expect((json.spec as { limits: { maxTurns: number } }).limits.maxTurns).toBe(50);
  });

  it("rejects an invalid spec with 400 naming each bad field", async () => {
    const { status, json } = await post("/v1/jobs", { repo: { url: "ftp://x" }, task: "", limits: { maxTurns: 0 } });
    expect(status).toBe(400);
    const error = json.error as { code: string; message: string; details: Array<{ path: string }> };
    expect(error.code).toBe("invalid_request");
    expect(error.details.map((d) => d.path).sort()).toEqual(["limits.maxTurns", "repo.url", "task"]);
    expect(error.message).toContain("repo.url");
  });

  it("rejects malformed JSON and unknown fields with 400", async () => {
    expect((await post("/v1/jobs", "{not json")).status).toBe(400);
    const unknown = await post("/v1/jobs", { ...spec(), colour: "blue" });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.json)).toContain("colour");
  });

  it("returns the same job for a repeated Idempotency-Key and 409 for another body", async () => {
    const key = randomUUID();
    const first = await post("/v1/jobs", spec(), { "Idempotency-Key": key });
    const again = await post("/v1/jobs", spec(), { "Idempotency-Key": key });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(first.json.id);
    const other = await post("/v1/jobs", spec("something else"), { "Idempotency-Key": key });
    expect(other.status).toBe(409);
  });
});

describe("reading jobs", () => {
  it("answers 404 for an unknown or malformed id", async () => {
    for (const id of [randomUUID(), "not-a-uuid"]) {
      const res = await authed(`${base}/v1/jobs/${id}`);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(id);
    }
  });

  it("lists newest first with a cursor and a status filter", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await post("/v1/jobs", spec(`task ${i}`))).json.id as string);
    const page1 = (await (await authed(`${base}/v1/jobs?limit=2&status=queued`)).json()) as {
      data: Array<{ id: string; status: string }>;
      nextCursor: string;
    };
    expect(page1.data.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await (await authed(`${base}/v1/jobs?limit=2&status=queued&cursor=${page1.nextCursor}`)).json()) as {
      data: Array<{ id: string }>;
    };
    expect(page2.data[0]?.id).toBe(ids[0]);
    expect((await authed(`${base}/v1/jobs?status=bogus`)).status).toBe(400);
  });

  it("answers 409 for the patch of a job that has not finished", async () => {
    const { json } = await post("/v1/jobs", spec());
    expect((await authed(`${base}/v1/jobs/${json.id}/patch`)).status).toBe(409);
  });
});

describe("cancel and events", () => {
  it("cancels a queued job at once and removes its queue entry", async () => {
    const { json } = await post("/v1/jobs", spec());
    const res = await post(`/v1/jobs/${json.id}/cancel`, {});
    expect(res.json.status).toBe("cancelled");
    expect(await queue.has(json.id as string)).toBe(false);
  });

  it("streams a finished job's events with id: seq, resumes after Last-Event-ID and closes", async () => {
    const { json } = await post("/v1/jobs", spec());
    const id = json.id as string;
    await new JobEventRepository(db).appendBatch(id, [{ type: "log", data: { stream: "stdout", text: "hello\n" } }]);
    await new JobRepository(db).transition(id, "failed", {
      error: { code: "repo_clone_failed", message: "x", retryable: false },
    });
    const all = await (await authed(`${base}/v1/jobs/${id}/events`)).text();
    expect([...all.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([1, 2, 3, 4]);
    expect(all).toContain("event: log");
    const resumed = await (await authed(`${base}/v1/jobs/${id}/events`, { headers: { "Last-Event-ID": "2" } })).text();
    expect([...resumed.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([3, 4]);
    const after = await (await authed(`${base}/v1/jobs/${id}/events?after=3`)).text();
    expect([...after.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))).toEqual([4]);
  });

  it("reports readiness of Postgres and Redis", async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", postgres: true, redis: true });
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});
