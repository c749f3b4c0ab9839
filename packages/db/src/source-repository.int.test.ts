import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "./client.js";
import { JobRepository } from "./job-repository.js";
import { ProjectRepository } from "./project-repository.js";
import { ScheduleRepository } from "./schedule-repository.js";
import { SourceRepository } from "./source-repository.js";

const db = createDb(loadConfig().DATABASE_URL, { max: 2 });
const projectId = `src-retention-${randomUUID().slice(0, 8)}`;
const sources = new SourceRepository(db);

const otherProject = `${projectId}-other`;

afterAll(async () => {
  await db.job.deleteMany({ where: { projectId: { in: [projectId, otherProject] } } });
  await db.project.deleteMany({ where: { id: otherProject } });
  await db.project.delete({ where: { id: projectId } });
  await db.$disconnect();
});

async function upload(): Promise<string> {
  const id = randomUUID();
  await sources.create({ id, projectId, bytes: 3, sha256: "x", heads: [], data: Buffer.from("abc") });
  return id;
}

const specFor = (source: string) =>
  JobSpecSchema.parse({ repo: { url: "https://example.com/shop.git", source }, task: "t", model: "script:x" });

describe("SourceRepository.deleteUnusedBefore", () => {
  it("deletes old bundles nothing needs, and keeps those a queued job or a schedule names, and new ones", async () => {
    await new ProjectRepository(db).ensure(projectId);
    const [forJob, forSchedule, forFinishedJob] = [await upload(), await upload(), await upload()];
    await upload(); // named by nothing
    const jobs = new JobRepository(db);
    await jobs.create({ id: randomUUID(), spec: specFor(forJob), projectId, queue: `q-${projectId}` });
    const finished = randomUUID();
    await jobs.create({ id: finished, spec: specFor(forFinishedJob), projectId, queue: `q-${projectId}` });
    await jobs.transition(finished, "cancelled", { phase: null });
    const schedule = { id: randomUUID(), projectId, name: null, cron: "0 3 * * *", everyMs: null, timezone: null };
    await new ScheduleRepository(db).create({ ...schedule, spec: specFor(forSchedule) });
    const cutoff = new Date(Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await upload();

    expect(await sources.deleteUnusedBefore(cutoff, projectId)).toBe(2);
    const left = await db.source.findMany({ where: { projectId }, select: { id: true } });
    expect(new Set(left.map((s) => s.id))).toEqual(new Set([forJob, forSchedule, fresh]));
  });

  it("keeps no bundle alive for another project's schedule or job that names it", async () => {
    await new ProjectRepository(db).ensure(projectId);
    await new ProjectRepository(db).ensure(otherProject);
    const pinned = await upload();
    const schedule = { id: randomUUID(), name: null, cron: "0 3 * * *", everyMs: null, timezone: null };
    await new ScheduleRepository(db).create({ ...schedule, projectId: otherProject, spec: specFor(pinned) });
    const job = { id: randomUUID(), spec: specFor(pinned), projectId: otherProject, queue: `q-${otherProject}` };
    await new JobRepository(db).create(job);
    const cutoff = new Date(Date.now() + 1000);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await sources.deleteUnusedBefore(cutoff, projectId)).toBeGreaterThanOrEqual(1);
    expect(await db.source.count({ where: { id: pinned } })).toBe(0);
  });
});
