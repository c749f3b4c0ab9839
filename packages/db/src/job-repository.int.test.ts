import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema, type NewEvent } from "@patchbay/core";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "./client.js";
import { JobEventRepository } from "./event-repository.js";
import { JobRepository } from "./job-repository.js";
import { ProjectRepository } from "./project-repository.js";

const db = createDb(loadConfig().DATABASE_URL, { max: 2 });
const projectId = `job-create-${randomUUID().slice(0, 8)}`;
const jobs = new JobRepository(db);
const events = new JobEventRepository(db);
const spec = JobSpecSchema.parse({ repo: { url: "https://example.com/r.git" }, task: "t", model: "script:x" });
const queued: NewEvent = { type: "status", data: { status: "queued" } };

afterAll(async () => {
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await db.$disconnect();
});

describe("JobRepository.create with its first events", () => {
  it("stores the job and its queued event together, numbered from 1", async () => {
    await new ProjectRepository(db).ensure(projectId);
    const id = randomUUID();
    await jobs.create({ id, spec, projectId, events: [queued] });
    const stored = await events.listAfter(id, 0);
    expect(stored.map((e) => [e.seq, e.type, (e.data as { status?: string }).status])).toEqual([
      [1, "status", "queued"],
    ]);
  });

  it("stores neither when the events cannot be written: no job is ever seen without its first event", async () => {
    await new ProjectRepository(db).ensure(projectId);
    const id = randomUUID();
    // A BigInt cannot become JSON: writing the event throws inside the transaction.
    const unwritable = { type: "status", data: { status: "queued", attempt: 1n } } as unknown as NewEvent;
    await expect(jobs.create({ id, spec, projectId, events: [unwritable] })).rejects.toThrow();
    expect(await jobs.findById(id)).toBeNull();
  });
});
