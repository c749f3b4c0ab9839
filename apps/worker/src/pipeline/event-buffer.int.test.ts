import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema, type NewEvent } from "@patchbay/core";
import { createDb, JobEventRepository, JobRepository, ProjectRepository } from "@patchbay/db";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { EventBuffer } from "./event-buffer.js";

const db = createDb(loadConfig().DATABASE_URL, { max: 2 });
const projectId = `buffer-${randomUUID().slice(0, 8)}`;
const events = new JobEventRepository(db);
const logger = pino({ level: "silent" });

afterAll(async () => {
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await db.$disconnect();
});

async function newJob(): Promise<string> {
  await new ProjectRepository(db).ensure(projectId);
  const id = randomUUID();
  const spec = JobSpecSchema.parse({ repo: { url: "https://example.com/r.git" }, task: "t", model: "script:x" });
  await new JobRepository(db).create({ id, spec, projectId, queue: `q-${projectId}` });
  return id;
}

const log = (text: string): NewEvent => ({ type: "log", data: { stream: "stdout", text } });

describe("EventBuffer", () => {
  it("stores a NUL byte from a command's output (replaced) and the events after it", async () => {
    const id = await newJob();
    const buffer = new EventBuffer(id, events, logger, { flushTimeoutMs: 60_000 });
    buffer.emit(log("before\u0000after"));
    buffer.emit(log("next"));
    await buffer.flush();
    const stored = await events.listAfter(id, 0);
    expect(stored.map((e) => (e.type === "log" ? e.data.text : e.type))).toEqual(["before\uFFFDafter", "next"]);
  });

  it("never retries an event the database refuses for its content: it is replaced by an error event", async () => {
    const id = await newJob();
    const buffer = new EventBuffer(id, events, logger, { flushTimeoutMs: 60_000 });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    buffer.emit(log("one"));
    buffer.emit({ type: "tool_call", data: { callId: "c", tool: "shell", input: circular } });
    buffer.emit(log("three"));
    await buffer.flush();
    const stored = await events.listAfter(id, 0);
    expect(stored.map((e) => e.type)).toEqual(["log", "error", "log"]);
    expect(stored[1]?.data).toMatchObject({ code: "internal", message: expect.stringContaining("tool_call event") });
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("stamps each event with the time it was emitted, not the time its batch was written", async () => {
    const id = await newJob();
    const buffer = new EventBuffer(id, events, logger, { flushTimeoutMs: 60_000 });
    // Another writer holds the job's row: the first write waits, and what follows piles up into one batch.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const lock = db.$transaction(
      async (tx) => {
        await tx.$queryRaw`SELECT id FROM jobs WHERE id = ${id}::uuid FOR UPDATE`;
        locked();
        await held;
      },
      { timeout: 30_000 },
    );
    await isLocked;
    buffer.emit(log("blocked"));
    await new Promise((r) => setTimeout(r, 150));
    buffer.emit(log("first"));
    await new Promise((r) => setTimeout(r, 200));
    buffer.emit(log("second"));
    await new Promise((r) => setTimeout(r, 300));
    release();
    await lock;
    await buffer.flush();
    const stored = await events.listAfter(id, 0);
    expect(stored.map((e) => (e.type === "log" ? e.data.text : e.type))).toEqual(["blocked", "first", "second"]);
    const [, first, second] = stored.map((e) => Date.parse(e.ts));
    // Written together after the lock was released, 200 ms apart when they happened.
    expect(second! - first!).toBeGreaterThanOrEqual(190);
    expect(second! - first!).toBeLessThan(400);
  });

  it("gives up waiting for an unreachable database at the flush timeout", async () => {
    const down = createDb("postgresql://patchbay:patchbay@127.0.0.1:1/patchbay", { max: 1 });
    const buffer = new EventBuffer(randomUUID(), new JobEventRepository(down), logger, {
      flushTimeoutMs: 500,
      retryForMs: 2_000,
    });
    buffer.emit(log("lost"));
    const started = Date.now();
    await buffer.flush();
    expect(Date.now() - started).toBeLessThan(2_000);
    // Within its retry window it keeps trying, then drops the events: a second flush ends too.
    await new Promise((r) => setTimeout(r, 2_500));
    const again = Date.now();
    await buffer.flush();
    expect(Date.now() - again).toBeLessThan(1_000);
    await down.$disconnect();
  });
});
