import { randomBytes, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb, ProjectRepository, SecretBox, SecretRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { createHttpServer } from "../server.js";
import { KEY_CACHE_TTL_MS } from "./key-cache.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queue = new JobQueue(`test-access-${randomUUID()}`, redis);
const secretsKey = randomBytes(32).toString("base64");
const tag = randomUUID().slice(0, 8);
const [A, B, C] = [`acc-a-${tag}`, `acc-b-${tag}`, `acc-c-${tag}`];
const keys: Record<string, string> = {};
let base = "";
let close: () => void = () => {};

/** The response fields these tests read. */
interface Body {
  id: string;
  status: string;
  data: Array<{ id: string; name: string }>;
  error: { code: string; message: string; details: Array<{ path: string }> };
}

const spec = (task = "fix it") => ({
  repo: { url: "https://git.example.com/team/repo.git" },
  task,
  model: "script:none",
});

async function call(path: string, key: string | null, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  if (init.body) headers.set("content-type", "application/json");
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: (text ? JSON.parse(text) : {}) as Body,
  };
}
const submit = (key: string, body: unknown = spec(), headers: Record<string, string> = {}) =>
  call("/v1/jobs", key, { method: "POST", body: JSON.stringify(body), headers });

beforeAll(async () => {
  const repo = new ApiKeyRepository(db);
  const make = async (
    name: string,
    projectId: string,
    scopes: Parameters<typeof repo.create>[0]["scopes"],
    rate?: number,
  ) => {
    keys[name] = (await repo.create({ projectId, scopes, ...(rate ? { rateLimitPerMin: rate } : {}) })).key;
  };
  await make("aWrite", A, ["jobs:read", "jobs:write"]);
  await make("aRead", A, ["jobs:read"]);
  await make("aAdmin", A, ["admin"]);
  await make("aSlow", A, ["jobs:read"], 3);
  await make("aRevoked", A, ["jobs:read"]);
  await make("bWrite", B, ["jobs:read", "jobs:write"]);
  await make("bAdmin", B, ["admin"]);
  await make("cWrite", C, ["jobs:read", "jobs:write"]);
  await new ProjectRepository(db).setLimits(C, { maxQueuedJobs: 2 });
  const app = createApp({ db, redis, queue, logger: pino({ level: "silent" }), secretsKey });
  const server = createHttpServer(app, { maxHeaderBytes: 16_384 }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});

afterAll(async () => {
  close();
  await db.job.deleteMany({ where: { projectId: { in: [A, B, C] } } });
  await db.project.deleteMany({ where: { id: { in: [A, B, C] } } });
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await db.$disconnect();
});

describe("authentication", () => {
  it("answers 401 with WWW-Authenticate for a missing, malformed, unknown or wrong key", async () => {
    const real = keys.aWrite!;
    const wrongSecret = `${real.slice(0, 16)}${"A".repeat(real.length - 16)}`;
    for (const key of [null, "", "Basic abc", `pb_000000000000_${"x".repeat(43)}`, wrongSecret, real.slice(0, -1)]) {
      const headers: Record<string, string> = key?.startsWith("Basic") ? { authorization: key } : {};
      const res = await call("/v1/jobs", key?.startsWith("Basic") ? null : key, { headers });
      expect(res.status, `key ${key}`).toBe(401);
      expect(res.json.error.code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
    }
    expect((await call("/v1/jobs", real)).status).toBe(200);
  });

  it("refuses a wrong secret under the prefix of a key just used (its row read moments ago)", async () => {
    const real = keys.aRead!;
    expect((await call("/v1/jobs", real)).status).toBe(200);
    const last = real.at(-1) === "x" ? "y" : "x";
    for (const key of [`${real.slice(0, 17)}${"A".repeat(real.length - 17)}`, `${real.slice(0, -1)}${last}`]) {
      expect((await call("/v1/jobs", key)).status, key).toBe(401);
    }
    expect((await call("/v1/jobs", real)).status).toBe(200);
  });

  it(`refuses a revoked key within ${KEY_CACHE_TTL_MS} ms`, async () => {
    const prefix = keys.aRevoked!.split("_")[1]!;
    expect((await call("/v1/jobs", keys.aRevoked!)).status).toBe(200);
    expect(await new ApiKeyRepository(db).revoke(prefix)).toBe(true);
    await new Promise((r) => setTimeout(r, KEY_CACHE_TTL_MS + 50));
    const res = await call("/v1/jobs", keys.aRevoked!);
    expect(res.status).toBe(401);
    expect(res.json.error.message).toContain("revoked");
  });

  it("answers 403 when the key lacks the scope", async () => {
    expect((await submit(keys.aRead!)).status).toBe(403);
    const job = (await submit(keys.aWrite!)).json;
    expect((await call(`/v1/jobs/${job.id}/cancel`, keys.aRead!, { method: "POST" })).status).toBe(403);
    expect((await call(`/v1/jobs/${job.id}`, keys.aRead!)).status).toBe(200);
    expect((await call(`/v1/projects/${A}/secrets`, keys.aWrite!)).status).toBe(403);
    // admin includes the job scopes
    expect((await call(`/v1/jobs/${job.id}`, keys.aAdmin!)).status).toBe(200);
  });
});

describe("projects are isolated", () => {
  it("answers 404 for another project's job on every route, and lists only the caller's jobs", async () => {
    const job = (await submit(keys.aWrite!)).json;
    for (const [path, method] of [
      [`/v1/jobs/${job.id}`, "GET"],
      [`/v1/jobs/${job.id}/events`, "GET"],
      [`/v1/jobs/${job.id}/patch`, "GET"],
      [`/v1/jobs/${job.id}/cancel`, "POST"],
    ] as const) {
      const res = await call(path, keys.bWrite!, { method });
      expect(res.status, path).toBe(404);
      expect(res.json.error.code).toBe("not_found");
    }
    expect((await call(`/v1/jobs/${job.id}`, keys.aWrite!)).json.status).toBe("queued");
    const listB = (await call("/v1/jobs?limit=100", keys.bWrite!)).json.data as Array<{ id: string }>;
    expect(listB.map((j) => j.id)).not.toContain(job.id);
    const listA = (await call("/v1/jobs?limit=100", keys.aWrite!)).json.data as Array<{ id: string }>;
    expect(listA.map((j) => j.id)).toContain(job.id);
  });

  it("keeps Idempotency-Keys per project", async () => {
    const key = randomUUID();
    const a = await submit(keys.aWrite!, spec(), { "Idempotency-Key": key });
    const b = await submit(keys.bWrite!, spec("another body"), { "Idempotency-Key": key });
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(b.json.id).not.toBe(a.json.id);
  });
});

describe("limits", () => {
  it("rate-limits a key: 429 with Retry-After once its requests per minute are used", async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | null = null;
    for (let i = 0; i < 5; i++) {
      last = await call("/v1/jobs", keys.aSlow!);
      statuses.push(last.status);
    }
    // The window may roll over during the loop; at least one request must have been refused.
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(statuses).toContain(429);
    const refused = last!.status === 429 ? last! : await call("/v1/jobs", keys.aSlow!);
    expect(refused.json.error.code).toBe("rate_limited");
    const retryAfter = Number(refused.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("answers 429 with Retry-After when the project's queue is full", async () => {
    expect((await submit(keys.cWrite!)).status).toBe(202);
    expect((await submit(keys.cWrite!)).status).toBe(202);
    const full = await submit(keys.cWrite!);
    expect(full.status).toBe(429);
    expect(full.headers.get("retry-after")).toBe("30");
    expect(full.json.error.message).toContain("queued");
  });

  it("refuses file:// repositories unless enabled, and plain http and ext:: always", async () => {
    for (const url of ["file:///tmp/repo", "/tmp/repo", "http://git.example.com/r.git", "ext::sh -c touch% /tmp/x"]) {
      const res = await submit(keys.aWrite!, { ...spec(), repo: { url } });
      expect(res.status, url).toBe(400);
      expect(res.json.error.details[0]?.path).toBe("repo.url");
    }
    const ok = await submit(keys.aWrite!, { ...spec(), repo: { url: "git@git.example.com:team/repo.git" } });
    expect(ok.status).toBe(202);
  });

  it("answers 431 (not 500) for an oversized header block", async () => {
    const res = await call("/v1/jobs", keys.aWrite!, { headers: { "x-filler": "a".repeat(40_000) } });
    expect(res.status).toBe(431);
  });
});

describe("project secrets", () => {
  const VALUE = `deploy-${randomUUID()}`;

  it("are set with an admin key, listed by name only, and stored encrypted", async () => {
    const put = await call(`/v1/projects/${A}/secrets/DEPLOY_TOKEN`, keys.aAdmin!, {
      method: "PUT",
      body: JSON.stringify({ value: VALUE }),
    });
    expect(put.status).toBe(200);
    expect(put.text).not.toContain(VALUE);
    const list = await call(`/v1/projects/${A}/secrets`, keys.aAdmin!);
    expect(list.json.data.map((s: { name: string }) => s.name)).toEqual(["DEPLOY_TOKEN"]);
    expect(list.text).not.toContain(VALUE);
    expect((await call(`/v1/projects/${A}`, keys.aAdmin!)).text).not.toContain(VALUE);
    const row = await db.projectSecret.findUniqueOrThrow({
      where: { projectId_name: { projectId: A, name: "DEPLOY_TOKEN" } },
    });
    expect(row.value).not.toContain(VALUE);
    expect(await new SecretRepository(db, new SecretBox(secretsKey)).values(A)).toEqual({ DEPLOY_TOKEN: VALUE });
    // a row copied to another project does not decrypt there
    expect(() => new SecretBox(secretsKey).open(row.value, `${B}/DEPLOY_TOKEN`)).toThrow();
  });

  it("are another project's 404 and refuse bad names and short values", async () => {
    const body = JSON.stringify({ value: "long-enough-value" });
    expect((await call(`/v1/projects/${A}/secrets/X_TOKEN`, keys.bAdmin!, { method: "PUT", body })).status).toBe(404);
    expect((await call(`/v1/projects/${A}/secrets`, keys.bAdmin!)).status).toBe(404);
    expect((await call(`/v1/projects/${A}/secrets/bad-name`, keys.aAdmin!, { method: "PUT", body })).status).toBe(400);
    const short = JSON.stringify({ value: "short" });
    expect((await call(`/v1/projects/${A}/secrets/X_TOKEN`, keys.aAdmin!, { method: "PUT", body: short })).status).toBe(
      400,
    );
    expect((await call(`/v1/projects/${A}/secrets/NOPE`, keys.aAdmin!, { method: "DELETE" })).status).toBe(404);
  });
});
