import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { loadConfig } from "@patchbay/config";
import { ApiKeyRepository, createDb, ProjectRepository } from "@patchbay/db";
import { createRedis, JobQueue } from "@patchbay/queue";
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "./app.js";
import { createHttpServer } from "./server.js";

// Hostile JobSpecs and headers thrown at the API: whatever arrives, the answer is a 4xx (or a
// 2xx for what happens to be valid), never a 500, and never a stack trace.
const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 4 });
const redis = createRedis(config.REDIS_URL);
const queue = new JobQueue(`test-fuzz-${randomUUID()}`, redis);
const projectId = `fuzz-${randomUUID().slice(0, 8)}`;
let key = "";
let base = "";
let port = 0;
let close: () => void = () => {};
const RUNS = { numRuns: 120, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100_000) };
const LEAK = /\n\s+at |\.ts:\d+|node_modules|PrismaClient|Error: /;

const hostileString = fc.oneof(
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom(
    "",
    " ",
    "\u0000",
    "a\u0000b",
    "\ud800",
    "x\udfffy",
    "--upload-pack=touch /tmp/pwned",
    "ext::sh -c touch% /tmp/pwned",
    "file:///etc/passwd",
    "https://user:pass@host/r.git",
    "git@-oProxyCommand=x:r",
    "../../../etc/passwd",
    "$(reboot)",
    "__proto__",
    "constructor",
    "x".repeat(40_000),
    "😀".repeat(5000),
  ),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.jsonValue({ maxDepth: 4 }),
  fc.constantFrom(null, true, -1, 0, 1e308, -0, 2 ** 53 + 1, 1.5, [], {}, { __proto__: { polluted: 1 } }),
);
const specLike = fc.record(
  {
    repo: fc.oneof(
      fc.record({ url: hostileString, ref: hostileString, commit: hostileString }, { requiredKeys: [] }),
      hostileValue,
    ),
    task: fc.oneof(hostileString, hostileValue),
    model: hostileValue,
    setup: fc.oneof(fc.array(hostileString, { maxLength: 60 }), hostileValue),
    checks: fc.oneof(fc.record({ test: hostileString, lint: hostileString }, { requiredKeys: [] }), hostileValue),
    limits: fc.oneof(
      fc.dictionary(fc.constantFrom("timeoutSec", "maxTurns", "maxTokens", "x"), hostileValue),
      hostileValue,
    ),
    sandbox: fc.oneof(fc.dictionary(fc.constantFrom("image", "cpus", "memoryMb"), hostileValue), hostileValue),
    output: hostileValue,
    metadata: fc.oneof(fc.anything({ maxDepth: 12 }), hostileValue),
    [fc.sample(fc.string(), 1)[0] ?? "extra"]: hostileValue,
  },
  { requiredKeys: [] },
);

function deepNesting(depth: number): string {
  return `{"repo":{"url":"https://h/r.git"},"task":"t","metadata":{"a":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
}

async function expectSafe(res: Response, allowed: number[] = []) {
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBeLessThan(500);
  expect(text).not.toMatch(LEAK);
  if (res.status >= 400 && !allowed.includes(res.status)) {
    const body = JSON.parse(text) as { error: { code: string; message: string } };
    expect(typeof body.error.code).toBe("string");
  }
}

const post = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${base}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
    body,
  });

beforeAll(async () => {
  key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["admin"], rateLimitPerMin: 1_000_000 })).key;
  await new ProjectRepository(db).setLimits(projectId, { maxQueuedJobs: 1_000_000 });
  const app = createApp({ db, redis, queue, logger: pino({ level: "silent" }), access: { allowFileRepos: false } });
  const server = createHttpServer(app, { maxHeaderBytes: 16_384 }).listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
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

describe("fuzzing POST /v1/jobs", () => {
  it("answers hostile JobSpecs with 2xx or 4xx and a JSON error, never a 500 or a stack trace", async () => {
    await fc.assert(
      fc.asyncProperty(specLike, async (spec) => {
        await expectSafe(await post(JSON.stringify(spec)));
      }),
      RUNS,
    );
  });

  it("answers arbitrary JSON and non-JSON bodies and deep nesting with 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ unit: "binary" }),
        ),
        async (body) => {
          await expectSafe(await post(body));
        },
      ),
      RUNS,
    );
    for (const depth of [10, 1000, 100_000]) await expectSafe(await post(deepNesting(depth)));
    await expectSafe(await post(`"${"x".repeat(1_100_000)}"`));
  });
});

describe("fuzzing headers and paths", () => {
  const headerValue = fc.string({ unit: "binary-ascii", maxLength: 300 }).map((s) => s.replace(/[^\t\x20-\x7e]/g, ""));
  it("answers random Authorization, Idempotency-Key, Last-Event-ID and ids without a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        headerValue,
        headerValue,
        headerValue,
        fc.string({ maxLength: 60 }),
        fc.boolean(),
        async (auth, idem, lastEventId, id, withKey) => {
          const authorization = withKey ? `Bearer ${key}` : auth;
          const path = `/v1/jobs/${encodeURIComponent(id)}`;
          for (const [p, method] of [
            [path, "GET"],
            [`${path}/events`, "GET"],
            [`${path}/cancel`, "POST"],
          ] as const) {
            await expectSafe(
              await fetch(`${base}${p}`, { method, headers: { authorization, "last-event-id": lastEventId } }),
            );
          }
          await expectSafe(
            await post(JSON.stringify({ repo: { url: "https://h/r.git" }, task: "t" }), {
              authorization,
              "idempotency-key": idem,
            }),
          );
        },
      ),
      { ...RUNS, numRuns: 60 },
    );
  });

  it("answers malformed raw HTTP requests without a 5xx", async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(port, "127.0.0.1", () => socket.end(request));
        let out = "";
        socket.on("data", (d) => {
          out += d.toString("latin1");
        });
        socket.on("close", () => resolve(out));
        socket.on("error", () => resolve(out));
      });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary-ascii", maxLength: 200 }), async (garbage) => {
        const answer = await raw(`GET /v1/jobs HTTP/1.1\r\nHost: x\r\n${garbage}\r\n\r\n`);
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 400);
        expect(status).toBeLessThan(500);
        expect(answer).not.toMatch(LEAK);
      }),
      { ...RUNS, numRuns: 60 },
    );
  });
});
