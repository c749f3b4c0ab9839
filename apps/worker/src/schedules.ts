import { randomUUID } from "node:crypto";
import type { JobEventRepository, JobRepository, ScheduleRepository } from "@patchbay/db";
import { type JobQueue, type ScheduleQueue, type ScheduleTickPayload, scheduleQueueName } from "@patchbay/queue";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface ScheduleRunnerDeps {
  schedules: ScheduleRepository;
  jobs: JobRepository;
  events: JobEventRepository;
  queue: JobQueue;
  scheduleQueue: ScheduleQueue;
  logger: Logger;
}

/** Turns a schedule's tick into a job of its project; returns the job id (null when paused or gone). */
export async function runScheduleTick(scheduleId: string, deps: ScheduleRunnerDeps): Promise<string | null> {
  const schedule = await deps.schedules.find(null, scheduleId);
  if (!schedule || schedule.paused) {
    // A tick of a deleted or paused schedule: the scheduler should not exist any more.
    await deps.scheduleQueue.remove(scheduleId);
    return null;
  }
  const metadata = { ...schedule.spec.metadata, schedule: { id: schedule.id, name: schedule.name } };
  const { job } = await deps.jobs.create({
    id: randomUUID(),
    projectId: schedule.projectId,
    queue: deps.queue.name,
    spec: { ...schedule.spec, metadata },
  });
  await deps.events.appendBatch(job.id, [
    { type: "status", data: { status: "queued", phase: null, message: `scheduled by ${schedule.id}` } },
  ]);
  await deps.queue.enqueue({ jobId: job.id });
  await deps.schedules.recordRun(schedule.id, job.id);
  deps.logger.info({ scheduleId, jobId: job.id }, "schedule made a job");
  return job.id;
}

/** Registers schedulers that Redis lost (e.g. after a flush) for schedules that are not paused. */
export async function restoreSchedulers(deps: ScheduleRunnerDeps): Promise<void> {
  for (const s of await deps.schedules.active()) {
    if (await deps.scheduleQueue.next(s.id)) continue;
    const timing = s.cron
      ? { cron: s.cron, ...(s.timezone ? { timezone: s.timezone } : {}) }
      : { everyMs: s.everyMs ?? 60_000 };
    await deps.scheduleQueue.upsert(s.id, timing);
  }
}

/** Starts the BullMQ worker that runs schedule ticks. */
export function startScheduleWorker(
  jobQueue: string,
  deps: ScheduleRunnerDeps,
  connection: Redis,
): Worker<ScheduleTickPayload> {
  const processor = async (job: Job<ScheduleTickPayload>) => {
    await runScheduleTick(job.data.scheduleId, deps);
  };
  return new Worker<ScheduleTickPayload>(scheduleQueueName(jobQueue), processor, { connection, concurrency: 1 });
}
