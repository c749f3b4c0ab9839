import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { type CheckRun, JobSpecSchema } from "@patchbay/core";
import { afterAll, describe, expect, it } from "vitest";
import { BaselineRepository } from "./baseline-repository.js";
import { createDb } from "./client.js";
import { JobEventRepository } from "./event-repository.js";
import { JobRepository } from "./job-repository.js";
import { ProjectRepository } from "./project-repository.js";
import { isTransientStorageError } from "./storage-errors.js";

const db = createDb(loadConfig().DATABASE_URL, { max: 2 });
const projectId = `storable-${randomUUID().slice(0, 8)}`;
const jobs = new JobRepository(db);
const events = new JobEventRepository(db);

afterAll(async () => {
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await db.$disconnect();
});

async function newJob(): Promise<string> {
  await new ProjectRepository(db).ensure(projectId);
  const id = randomUUID();
  const spec = JobSpecSchema.parse({ repo: { url: "https://example.com/r.git" }, task: "t", model: "script:x" });
  await jobs.create({ id, spec, projectId, queue: `q-${projectId}` });
  return id;
}

describe("text Postgres cannot store", () => {
  it("stores events holding NUL bytes and lone surrogates, replaced and marked sanitized", async () => {
    const id = await newJob();
    await events.appendBatch(id, [
      { type: "log", data: { stream: "stdout", text: "before\u0000after" } },
      { type: "tool_result", data: { callId: "c", tool: "shell", ok: true, output: "half \ud800 pair" } },
      { type: "log", data: { stream: "stdout", text: "clean 😀" } },
    ]);
    const stored = await events.listAfter(id, 0);
    expect(stored.map((e) => e.data)).toEqual([
      { stream: "stdout", text: "before\uFFFDafter", sanitized: true },
      { callId: "c", tool: "shell", ok: true, output: "half \uFFFD pair", sanitized: true },
      { stream: "stdout", text: "clean 😀" },
    ]);
  });

  it("finishes a job whose result, error and patch hold them", async () => {
    const id = await newJob();
    await jobs.transition(id, "running");
    const moved = await jobs.transition(
      id,
      "failed",
      {
        phase: null,
        error: { code: "setup_failed", message: "setup printed \u0000", retryable: false },
        result: { summary: "done \ud800" } as never,
        patch: "+a\u0000b\n",
      },
      "message \u0000",
    );
    expect(moved).toBe(true);
    const job = await jobs.findById(id);
    expect(job?.error?.message).toBe("setup printed \uFFFD");
    expect(job?.result?.summary).toBe("done \uFFFD");
    expect(await jobs.getPatch(id)).toBe("+a\uFFFDb\n");
  });

  it("calls what Postgres refuses for its content not transient", async () => {
    const refused = await db.$queryRaw`SELECT ${"a\u0000b"}::text`.catch((err: unknown) => err);
    expect(isTransientStorageError(refused)).toBe(false);
    const missing = await db.job.update({ where: { id: randomUUID() }, data: { patch: "" } }).catch((e: unknown) => e);
    expect(isTransientStorageError(missing)).toBe(false);
    expect(isTransientStorageError(new Error("connect ECONNREFUSED 127.0.0.1:5432"))).toBe(true);
  });

  it("keeps a baseline whose check output holds a NUL byte, with the byte replaced", async () => {
    await new ProjectRepository(db).ensure(projectId);
    const run: CheckRun = {
      kind: "test",
      command: "npm test",
      source: "detected",
      exitCode: 1,
      passed: false,
      status: "failed",
      timedOut: false,
      durationMs: 5,
      outputTail: "binary\u0000output",
    };
    const baselines = new BaselineRepository(db);
    await baselines.save(projectId, "tree-key", { runs: [run], jobId: "j1", ttlMs: 60_000 });
    const kept = await baselines.find(projectId, "tree-key");
    expect(kept?.runs[0]?.outputTail).toBe("binary\uFFFDoutput");
  });
});
