import { randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import {
  createDb,
  JobEventRepository,
  JobRepository,
  ProjectRepository,
  ScheduleRepository,
  SourceRepository,
} from "@patchbay/db";
import { SubmitAdmission } from "@patchbay/jobs";
import { createRedis, JobQueue, ScheduleQueue } from "@patchbay/queue";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { restoreSchedulers, runScheduleTick, type ScheduleRunnerDeps } from "./schedules.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 2 });
const redis = createRedis(config.REDIS_URL);
const queueName = `test-schedules-${randomUUID()}`;
const projectId = `sched-${randomUUID().slice(0, 8)}`;
const schedules = new ScheduleRepository(db);
const jobs = new JobRepository(db);
const deps: ScheduleRunnerDeps = {
  schedules,
  jobs,
  queue: new JobQueue(queueName, redis),
  scheduleQueue: new ScheduleQueue(queueName, redis),
  admission: new SubmitAdmission(
    { projects: new ProjectRepository(db), sources: new SourceRepository(db) },
    { allowFileRepos: false, defaultMaxQueued: 100 },
  ),
  logger: pino({ level: "silent" }),
};

async function schedule(allowOverlap: boolean, queue = queueName): Promise<string> {
  const id = randomUUID();
  const spec = JobSpecSchema.parse({ repo: { url: "https://git.example.com/a.git" }, task: "t", model: "script:x" });
  await schedules.create({
    id,
    projectId,
    name: "n",
    cron: null,
    everyMs: 1000,
    timezone: null,
    spec,
    allowOverlap,
    queue,
  });
  return id;
}

afterAll(async () => {
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await deps.queue.queue.obliterate({ force: true });
  await deps.scheduleQueue.queue.obliterate({ force: true });
  await Promise.all([deps.queue.close(), deps.scheduleQueue.close()]);
  redis.disconnect();
  await db.$disconnect();
});

describe("schedule ticks", () => {
  it("skip a tick while the schedule's previous job is unfinished, and run again once it finished", async () => {
    await new ProjectRepository(db).ensure(projectId);
    const id = await schedule(false);
    const first = await runScheduleTick(id, deps);
    expect(first.kind).toBe("created");
    const jobId = first.kind === "created" ? first.jobId : "";
    expect(await runScheduleTick(id, deps)).toEqual({ kind: "skipped", previousJobId: jobId });
    expect((await schedules.find(projectId, id))?.skippedRuns).toBe(1);
    await jobs.transition(jobId, "cancelled", { phase: null });
    expect((await runScheduleTick(id, deps)).kind).toBe("created");
    expect((await schedules.find(projectId, id))?.runs).toBe(2);
  });

  it("run overlapping ticks when the schedule allows it", async () => {
    const id = await schedule(true);
    expect((await runScheduleTick(id, deps)).kind).toBe("created");
    expect((await runScheduleTick(id, deps)).kind).toBe("created");
  });

  it("make the job with its queued event, naming the schedule, and enqueue it", async () => {
    const id = await schedule(true);
    const outcome = await runScheduleTick(id, deps);
    const jobId = outcome.kind === "created" ? outcome.jobId : "";
    const events = await new JobEventRepository(db).listAfter(jobId, 0);
    expect(events[0]).toMatchObject({
      seq: 1,
      type: "status",
      data: { status: "queued", message: `scheduled by ${id}` },
    });
    expect(await deps.queue.has(jobId)).toBe(true);
    expect((await jobs.findById(jobId))?.spec.metadata).toEqual({ schedule: { id, name: "n" } });
  });

  it("are restored at a worker's start for its own queue only: another queue's schedule is left to its workers", async () => {
    await new ProjectRepository(db).ensure(projectId);
    const own = await schedule(false);
    const other = await schedule(false, `${queueName}-other`);
    await restoreSchedulers(deps);
    expect(await deps.scheduleQueue.next(own)).not.toBeNull();
    // Restored here, its ticks would submit onto this queue, with this installation's settings.
    expect(await deps.scheduleQueue.next(other)).toBeNull();
  });
});
