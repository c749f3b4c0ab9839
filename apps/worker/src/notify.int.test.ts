import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startTestApi, type TestApi } from "@patchbay/api/testing";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema, verifyNotification } from "@patchbay/core";
import { ApiKeyRepository, JobRepository, NotificationRepository, SecretRepository, secretBoxFrom } from "@patchbay/db";
import { createRedis, NotifyQueue } from "@patchbay/queue";
import type { Worker } from "bullmq";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Notifier, startNotifyWorker } from "./notify.js";

const SECRET = "notify-int-secret";
const projectId = `notify-${randomUUID().slice(0, 8)}`;
const config = loadConfig();
const box = secretBoxFrom({ PATCHBAY_SECRETS_KEY: randomBytes(32).toString("base64") });

/**
 * A receiver as the README tells users to write one: verifies the signature over the raw body,
 * refuses anything unsigned or stale, and handles each delivery id once (repeats answered 200).
 */
const receiver = {
  server: createServer(),
  url: "",
  failuresLeft: 0,
  requests: [] as Array<{ delivery: string; verdict: string }>,
  handled: new Set<string>(),
  duplicates: 0,
};

let api: TestApi;
let key = "";
let notifyWorker: Worker;
let notifier: Notifier;
const redis = createRedis(config.REDIS_URL);

beforeAll(async () => {
  receiver.server.on("request", (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const delivery = String(req.headers["x-patchbay-delivery"]);
      const verdict = verifyNotification(SECRET, req.headers["x-patchbay-signature"] as string | undefined, body);
      receiver.requests.push({ delivery, verdict: verdict.ok ? "ok" : verdict.reason });
      if (!verdict.ok) return void res.writeHead(401).end();
      if (receiver.failuresLeft-- > 0) return void res.writeHead(503).end();
      if (receiver.handled.has(delivery)) receiver.duplicates++;
      else receiver.handled.add(delivery);
      res.writeHead(204).end();
    });
  });
  receiver.server.listen(0, "127.0.0.1");
  await new Promise((r) => receiver.server.once("listening", r));
  receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
  api = await startTestApi({
    projectId,
    prepare: async (db) => {
      key = (await new ApiKeyRepository(db).create({ projectId, scopes: ["jobs:read", "jobs:write"] })).key;
      await new SecretRepository(db, box).put(projectId, "NOTIFY_SECRET", SECRET);
    },
  });
  notifier = new Notifier({
    jobs: new JobRepository(api.db),
    notifications: new NotificationRepository(api.db),
    queue: new NotifyQueue(api.queue.name, redis, { backoffMs: 100 }),
    secrets: new SecretRepository(api.db, box),
    logger: pino({ level: "silent" }),
  });
  notifyWorker = startNotifyWorker(api.queue.name, notifier, createRedis(config.REDIS_URL), pino({ level: "silent" }));
});

afterAll(async () => {
  await notifyWorker?.close();
  const queue = new NotifyQueue(api.queue.name, redis);
  await queue.queue.obliterate({ force: true });
  await queue.close();
  redis.disconnect();
  await api?.close();
  receiver.server.close();
});

const call = async (method: string, route: string) => {
  const res = await fetch(`${api.base}${route}`, { method, headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

/** A job cancelled while queued on `queue` (the notifier's own unless named), asking for a notification. */
async function finishedJob(queue = api.queue.name): Promise<string> {
  const id = randomUUID();
  const spec = JobSpecSchema.parse({
    repo: { url: "https://git.example.com/a.git" },
    task: "t",
    notify: { url: receiver.url },
  });
  await new JobRepository(api.db).create({ id, spec, projectId, queue });
  await new JobRepository(api.db).transition(id, "cancelled", { phase: null });
  return id;
}

interface Delivery {
  deliveryId: string;
  state: string;
  attempts: Array<{ attempt: number; trigger: string; statusCode: number | null; at: string }>;
}

describe("job notifications", () => {
  it("keep one signed delivery id across retries, list every attempt, and redeliver under the same id", async () => {
    receiver.failuresLeft = 2;
    const id = await finishedJob();
    await notifier.trigger(id);
    await expect.poll(() => receiver.requests.length, { timeout: 20_000, interval: 100 }).toBe(3);
    const deliveries = new Set(receiver.requests.map((r) => r.delivery));
    expect(deliveries.size).toBe(1);
    expect(receiver.requests.map((r) => r.verdict)).toEqual(["ok", "ok", "ok"]);
    const [deliveryId] = [...deliveries];

    await expect
      .poll(async () => ((await call("GET", `/v1/jobs/${id}/notifications`)).body.data as Delivery[])[0]?.state)
      .toBe("delivered");
    const listed = (await call("GET", `/v1/jobs/${id}/notifications`)).body.data as Delivery[];
    expect(listed).toHaveLength(1);
    expect(listed[0]?.deliveryId).toBe(deliveryId);
    expect(listed[0]?.attempts.map((a) => [a.attempt, a.trigger, a.statusCode])).toEqual([
      [1, "delivery", 503],
      [2, "delivery", 503],
      [3, "delivery", 204],
    ]);

    const again = await call("POST", `/v1/jobs/${id}/notifications/${deliveryId}/redeliver`);
    expect(again.status).toBe(202);
    await expect.poll(() => receiver.requests.length, { timeout: 10_000, interval: 100 }).toBe(4);
    expect(receiver.requests[3]).toEqual({ delivery: deliveryId, verdict: "ok" });
    // The receiver handled the event once: the redelivery was recognised by its id.
    expect(receiver.duplicates).toBe(1);
    expect([...receiver.handled.keys()]).toEqual([deliveryId]);
    await expect
      .poll(async () => ((await call("GET", `/v1/jobs/${id}/notifications`)).body.data as Delivery[])[0]?.attempts)
      .toHaveLength(4);
    const after = ((await call("GET", `/v1/jobs/${id}/notifications`)).body.data as Delivery[])[0];
    expect(after?.attempts[3]).toMatchObject({ attempt: 4, trigger: "redeliver", statusCode: 204 });
    expect(after?.state).toBe("delivered");
  });

  it("are swept for the worker's own queue only: another queue's job waits for its own workers", async () => {
    const own = await finishedJob();
    const other = await finishedJob(`${api.queue.name}-other`);
    const notifications = new NotificationRepository(api.db);
    await notifier.sweep();
    // A claim of the other queue's job would put its delivery where no worker of that queue reads.
    expect(await notifications.find(other)).toBeNull();
    await expect.poll(async () => (await notifications.find(own))?.state, { timeout: 10_000 }).toBe("delivered");
  });

  it("answer 404 for a delivery the job does not have, and an empty list for a job without one", async () => {
    const id = await finishedJob();
    expect((await call("GET", `/v1/jobs/${id}/notifications`)).body).toEqual({ data: [] });
    expect((await call("POST", `/v1/jobs/${id}/notifications/${randomUUID()}/redeliver`)).status).toBe(404);
    expect((await call("POST", `/v1/jobs/${id}/notifications/not-an-id/redeliver`)).status).toBe(404);
  });
});
