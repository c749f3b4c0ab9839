import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import { createDb, JobEventRepository, JobRepository, ProjectRepository } from "@patchbay/db";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsHandler } from "./events.js";

const db = createDb(loadConfig().DATABASE_URL, { max: 4 });
const projectId = `event-feed-${randomUUID().slice(0, 8)}`;

/** The real repositories, counting the reads the event streams make. */
class CountingEvents extends JobEventRepository {
  reads = 0;
  override listAfter(jobId: string, afterSeq: number, limit?: number) {
    this.reads++;
    return super.listAfter(jobId, afterSeq, limit);
  }
}
class CountingJobs extends JobRepository {
  reads = 0;
  override findById(id: string) {
    this.reads++;
    return super.findById(id);
  }
}

const events = new CountingEvents(db);
const jobs = new CountingJobs(db);
let base = "";
let server: http.Server;

beforeAll(async () => {
  await new ProjectRepository(db).ensure(projectId);
  const app = express().get("/events/:id", eventsHandler({ jobs, events }, { pollMs: 100, heartbeatMs: 60_000 }));
  server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await db.$disconnect();
});

async function newJob(): Promise<string> {
  const id = randomUUID();
  const spec = JobSpecSchema.parse({ repo: { url: "https://example.com/r.git" }, task: "t", model: "script:x" });
  await jobs.create({ id, spec, projectId, queue: `q-${projectId}` });
  return id;
}

const log = (text: string) => ({ type: "log" as const, data: { stream: "stdout" as const, text } });

/** An SSE client: the seqs it received, in order; `ended` once the server closed the stream. */
function stream(jobId: string, lastEventId?: number) {
  const seqs: number[] = [];
  const waiters: Array<{ seq: number; resolve: () => void }> = [];
  const ended = new Promise<void>((resolveEnd) => {
    const headers = lastEventId === undefined ? {} : { "Last-Event-ID": String(lastEventId) };
    http.get(`${base}/events/${jobId}`, { headers, agent: false }, (res) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split("\n\n");
        buffer = blocks.pop() ?? "";
        for (const id of blocks.map((b) => /^id: (\d+)$/m.exec(b)?.[1]).filter((x) => x !== undefined)) {
          seqs.push(Number(id));
        }
        for (const w of waiters.filter((x) => seqs.includes(x.seq))) w.resolve();
      });
      res.on("end", resolveEnd);
    });
  });
  const got = (seq: number) =>
    seqs.includes(seq) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ seq, resolve }));
  return { seqs, got, ended };
}

describe("event streams of a running job", () => {
  it("give every stream each event once and in order, with reads of the database that do not grow with the streams", async () => {
    const id = await newJob();
    const [first] = await events.appendBatch(id, [log("one")]);
    const streams = Array.from({ length: 120 }, () => stream(id));
    await Promise.all(streams.map((s) => s.got(first!.seq)));
    events.reads = 0;
    jobs.reads = 0;
    const [second] = await events.appendBatch(id, [log("two")]);
    await Promise.all(streams.map((s) => s.got(second!.seq)));
    // One poll per job: a stream polling on its own would read at least once per stream.
    expect(events.reads + jobs.reads).toBeLessThan(streams.length);
    await jobs.transition(id, "cancelled", { phase: null });
    await Promise.all(streams.map((s) => s.ended));
    const stored = (await events.listAfter(id, 0)).map((e) => e.seq);
    for (const s of streams) expect(s.seqs).toEqual(stored);
  });

  it("resumes a late stream from Last-Event-ID with nothing missing or repeated while others follow the job", async () => {
    const id = await newJob();
    const early = stream(id);
    const stored = await events.appendBatch(id, [log("a"), log("b"), log("c")]);
    await early.got(stored[2]!.seq);
    const late = stream(id, stored[0]!.seq);
    await late.got(stored[2]!.seq);
    const more = await events.appendBatch(id, [log("d")]);
    await Promise.all([early.got(more[0]!.seq), late.got(more[0]!.seq)]);
    await jobs.transition(id, "cancelled", { phase: null });
    await Promise.all([early.ended, late.ended]);
    const all = (await events.listAfter(id, 0)).map((e) => e.seq);
    expect(early.seqs).toEqual(all);
    expect(late.seqs).toEqual(all.filter((seq) => seq > stored[0]!.seq));
  });
});
