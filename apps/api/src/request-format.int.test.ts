import { randomUUID } from "node:crypto";
import { ApiKeyRepository } from "@patchbay/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApi, type TestApi } from "./testing.js";

const projectId = `request-format-${randomUUID().slice(0, 8)}`;
const logged: Array<{ msg: string; method?: string; path?: string; status?: number }> = [];
let api: TestApi;
let base = "";
let key = "";

beforeAll(async () => {
  api = await startTestApi({
    projectId,
    logger: pino({ level: "info" }, { write: (line: string) => logged.push(JSON.parse(line)) }),
    access: { allowFileRepos: true },
    prepare: async (db) => {
      key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["jobs:read", "jobs:write"] })).key;
    },
  });
  base = api.base;
});

afterAll(() => api.close());

async function post(path: string, body: string, contentType?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (contentType) headers["content-type"] = contentType;
  const res = await fetch(`${base}${path}`, { method: "POST", headers, body });
  return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
}

const SPEC = JSON.stringify({ repo: { url: "file:///nonexistent/repo" }, task: "fix it", model: "script:none" });

describe("request bodies", () => {
  it("answers 415 naming application/json for a JSON route's body of another type, or of none", async () => {
    const form = await post("/v1/jobs", SPEC, "application/x-www-form-urlencoded");
    expect(form.status).toBe(415);
    expect(form.json.error).toEqual({
      code: "unsupported_media_type",
      message: "the body must be sent with Content-Type: application/json (got application/x-www-form-urlencoded)",
    });
    const text = await post("/v1/schedules", "{}", "text/plain");
    expect(text.status).toBe(415);
    expect(text.json.error?.message).toContain("Content-Type: application/json");
  });

  it("still takes JSON, and the bodies of uploads and text documents", async () => {
    expect((await post("/v1/jobs", SPEC, "application/json; charset=utf-8")).status).toBe(202);
    const bundle = await post("/v1/sources", "not a bundle", "application/octet-stream");
    expect(bundle.status).toBe(400);
    // No knowledge base on this server: past the content-type check, the route says so.
    const doc = await post(`/v1/projects/${projectId}/docs?path=notes.md`, "# notes", "text/markdown");
    expect(doc.json.error?.code).toBe("unavailable");
    const image = await post(`/v1/projects/${projectId}/docs`, "GIF89a", "image/gif");
    expect(image.status).toBe(415);
    expect(image.json.error?.message).toContain("application/json, or text/* with ?path=");
  });

  it("says repo must be an object with url when it is a string", async () => {
    const body = JSON.stringify({ repo: "https://example.com/team/repo.git", task: "fix it" });
    const { status, json } = await post("/v1/jobs", body, "application/json");
    expect(status).toBe(400);
    expect(json.error?.message).toContain('repo must be an object with url, e.g. {"url": "https://…"}');
    const missing = await post("/v1/jobs", JSON.stringify({ task: "fix it" }), "application/json");
    expect(missing.json.error?.message).toContain("repo is required");
  });
});

describe("the access log", () => {
  it("writes the full path with ids and without the query string", async () => {
    const id = randomUUID();
    await fetch(`${base}/v1/jobs/${id}/events?after=3&note=secret`, { headers: { authorization: `Bearer ${key}` } });
    await post("/v1/jobs", SPEC, "text/plain");
    await post("/v1/jobs", SPEC, "application/json");
    await new Promise((r) => setTimeout(r, 50));
    const requests = logged.filter((line) => line.msg === "request");
    expect(requests).toContainEqual(
      expect.objectContaining({ method: "GET", path: `/v1/jobs/${id}/events`, status: 404 }),
    );
    expect(requests).toContainEqual(expect.objectContaining({ method: "POST", path: "/v1/jobs", status: 415 }));
    expect(requests).toContainEqual(expect.objectContaining({ method: "POST", path: "/v1/jobs", status: 202 }));
    expect(JSON.stringify(requests)).not.toContain("secret");
  });
});
