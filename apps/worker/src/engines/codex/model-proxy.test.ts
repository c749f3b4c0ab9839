import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ScriptedModelServer, startScriptedModelServer } from "@patchbay/testkit";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelProxy, startModelProxy } from "./model-proxy.js";
import type { ModelResponse } from "./model-response.js";

// The proxy on a real unix socket in front of the real scripted model server on loopback.

const KEY = "sk-proxy-test-key";
let upstream: ScriptedModelServer;
let dir: string;

beforeAll(async () => {
  upstream = await startScriptedModelServer({
    scripts: {
      hi: {
        turns: [{ output: [{ type: "message", content: "hello" }], usage: { input_tokens: 11, output_tokens: 3 } }],
      },
      flaky: { turns: [{ status: 503, failures: 1, output: [{ type: "message", content: "at last" }] }] },
    },
  });
  dir = mkdtempSync(path.join(tmpdir(), "pb-model-proxy-"));
});

afterAll(async () => {
  await upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

function post(socketPath: string, urlPath: string, body: unknown, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      { socketPath, path: urlPath, method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

async function withProxy(
  options: { admit?: () => string | null; baseURL?: string },
  fn: (socket: string, seen: ModelResponse[], proxy: ModelProxy) => Promise<void>,
) {
  const socketPath = path.join(dir, `m-${Math.random().toString(36).slice(2)}.sock`);
  const seen: ModelResponse[] = [];
  const proxy = await startModelProxy({
    socketPath,
    upstream: { baseURL: options.baseURL ?? upstream.url, apiKey: KEY, timeoutMs: 10_000 },
    admit: options.admit ?? (() => null),
    onResponse: (r) => seen.push(r),
    redact: (t) => t.replaceAll("hunter2", "[REDACTED]"),
    logger: pino({ level: "silent" }),
  });
  try {
    await fn(socketPath, seen, proxy);
  } finally {
    await proxy.close();
  }
}

describe("the Codex engine's model proxy", () => {
  it("adds the key (replacing any the sandbox sent), streams the answer through and reports its usage", async () => {
    await withProxy({}, async (socket, seen) => {
      const body = { model: "script:hi", stream: true, input: [{ role: "user", content: "the password is hunter2" }] };
      const res = await post(socket, "/v1/responses", body, { authorization: "Bearer sandbox-made-this-up" });
      expect(res.status).toBe(200);
      expect(res.text).toContain("event: response.completed");
      const recorded = upstream.requests.at(-1);
      expect(recorded?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(JSON.stringify(recorded?.body)).toContain("[REDACTED]");
      expect(JSON.stringify(recorded?.body)).not.toContain("hunter2");
      expect(seen).toHaveLength(1);
      expect(seen[0]?.usage).toMatchObject({ input_tokens: 11, output_tokens: 3 });
    });
  });

  it("reports a plain (non-streamed) response too", async () => {
    await withProxy({}, async (socket, seen) => {
      const res = await post(socket, "/v1/responses", { model: "script:hi", input: "hi" });
      expect(res.status).toBe(200);
      expect(seen[0]?.output.map((i) => i.type)).toEqual(["message"]);
    });
  });

  it("refuses a call past a limit without sending it, and serves nothing but the model routes", async () => {
    const before = upstream.requests.length;
    await withProxy({ admit: () => "the job's limit of 2 model turns is reached" }, async (socket, seen) => {
      const refused = await post(socket, "/v1/responses", { model: "script:hi", input: "hi" });
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.text)).toMatchObject({ error: { code: "patchbay_limit" } });
      const other = await post(socket, "/v1/files", {});
      expect(other.status).toBe(404);
      expect(seen).toEqual([]);
    });
    expect(upstream.requests.length).toBe(before);
  });

  it("remembers a failed call only until a later call goes through (a retry that worked is no error)", async () => {
    await withProxy({}, async (socket, _seen, proxy) => {
      expect((await post(socket, "/v1/responses", { model: "script:flaky", input: "hi" })).status).toBe(503);
      expect(proxy.lastError?.status).toBe(503);
      expect((await post(socket, "/v1/responses", { model: "script:flaky", input: "hi" })).status).toBe(200);
      expect(proxy.lastError).toBeNull();
    });
  });

  it("answers 502 and remembers why when the endpoint is unreachable", async () => {
    await withProxy({ baseURL: "http://127.0.0.1:9/v1" }, async (socket, _seen, proxy) => {
      const res = await post(socket, "/v1/responses", { model: "script:hi", input: "hi" });
      expect(res.status).toBe(502);
      expect(proxy.lastError?.status).toBeNull();
    });
  });
});
