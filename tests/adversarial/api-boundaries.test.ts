import { randomUUID } from "node:crypto";
import { startTestApi, type TestApi } from "@patchbay/api/testing";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository } from "@patchbay/db";
import { createKnowledgeBase } from "@patchbay/knowledge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const config = loadConfig({ PATCHBAY_EMBEDDINGS_MODEL: "" });
const knowledge = createKnowledgeBase(config, { poolSize: 2 });
const projectId = `adv-api-${randomUUID().slice(0, 8)}`;
const UNAUTHENTICATED_PER_MIN = 5;
const keys = { read: "", write: "" };
let api: TestApi;
let base = "";

async function call(path: string, key: string | null, init: { method?: string; body?: string; type?: string } = {}) {
  const headers: Record<string, string> = {};
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers["content-type"] = init.type ?? "application/json";
  const res = await fetch(`${base}${path}`, { method: init.method ?? "GET", headers, body: init.body });
  const json = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, json, retryAfter: res.headers.get("retry-after") };
}

const search = (key: string, body: string) => call(`/v1/projects/${projectId}/search`, key, { method: "POST", body });
const upload = (key: string, body: string, type?: string) =>
  call(`/v1/projects/${projectId}/docs${type ? "?path=notes.txt" : ""}`, key, {
    method: "POST",
    body,
    ...(type ? { type } : {}),
  });

beforeAll(async () => {
  api = await startTestApi({
    projectId,
    knowledge: knowledge.kb,
    access: { unauthenticatedRateLimitPerMin: UNAUTHENTICATED_PER_MIN },
    prepare: async (db) => {
      const repo = new ApiKeyRepository(db);
      keys.read = (await repo.create({ projectId, scopes: ["jobs:read"] })).key;
      keys.write = (await repo.create({ projectId, scopes: ["jobs:read", "jobs:write"] })).key;
    },
  });
  base = api.base;
});

afterAll(async () => {
  await api.close();
  await knowledge.close();
});

describe("knowledge routes", () => {
  it("search needs only jobs:read; adding documents needs jobs:write", async () => {
    const doc = JSON.stringify({ path: "runbooks/deploy.md", content: "# Deploy\n\nRoll back with the blue lever." });
    expect((await upload(keys.read, doc)).status).toBe(403);
    expect((await upload(keys.write, doc)).status).toBe(201);
    const found = await search(keys.read, JSON.stringify({ query: "blue lever" }));
    expect(found.status).toBe(200);
    expect(JSON.stringify(found.json)).toContain("runbooks/deploy.md");
  });

  it("answers a NUL or a lone surrogate in a document or a query with 400 naming it, never 500", async () => {
    const bad = [
      await upload(keys.write, JSON.stringify({ path: "a.md", content: "before\u0000after" })),
      await upload(keys.write, JSON.stringify({ path: "a\ud800.md", content: "text" })),
      await upload(keys.write, "plain\u0000text", "text/plain"),
      await search(keys.read, JSON.stringify({ query: "lever \ud83d" })),
      await search(keys.read, JSON.stringify({ query: "lever\u0000" })),
    ];
    for (const res of bad) {
      expect(res.status).toBe(400);
      expect(res.json.error?.message).toMatch(/NUL character or a lone UTF-16 surrogate/);
    }
  });
});

describe("requests without a valid key", () => {
  it("are limited per client address (429 with Retry-After), and never slow down a valid key", async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof call>> | null = null;
    // Twice the limit and one: a window that rolls over during the loop still ends in a refusal.
    for (let i = 0; i < 2 * UNAUTHENTICATED_PER_MIN + 1; i++) {
      const res = await call("/v1/jobs", i % 2 === 0 ? null : `pb_000000000000_${"x".repeat(43)}`);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.slice(0, UNAUTHENTICATED_PER_MIN)).not.toContain(429);
    expect(limited?.json.error?.code).toBe("rate_limited");
    expect(Number(limited?.retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await call("/v1/jobs", keys.read)).status).toBe(200);
    // Bad webhook signatures count too.
    const hooks: number[] = [];
    for (let i = 0; i <= UNAUTHENTICATED_PER_MIN; i++) {
      const hook = await fetch(`${base}/v1/hooks/github?project=${projectId}`, {
        method: "POST",
        headers: { "x-hub-signature-256": "sha256=00", "x-github-delivery": randomUUID() },
        body: "{}",
      });
      hooks.push(hook.status);
    }
    expect(hooks).toContain(429);
  });
});
