import { isTerminal, toPatchbayError } from "@patchbay/core";
import type { JobRepository, ScheduleRecord, ScheduleRepository } from "@patchbay/db";
import { type SubmitAdmission, submitJob } from "@patchbay/jobs";
import { type JobQueue, type ScheduleQueue, type ScheduleTickPayload, scheduleQueueName } from "@patchbay/queue";
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface ScheduleRunnerDeps {
  schedules: ScheduleRepository;
  jobs: JobRepository;
  queue: JobQueue;
  scheduleQueue: ScheduleQueue;
  /** The same admission the API applies, with the configuration in force at tick time. */
  admission: SubmitAdmission;
  logger: Logger;
}

/** What one tick did. */
export type TickOutcome =
  | { kind: "created"; jobId: string }
  /** The schedule's previous job is still queued or running (and the schedule does not allow overlap). */
  | { kind: "skipped"; previousJobId: string }
  /** Admission refused the spec (repository policy, source, queue cap): recorded on the schedule. */
  | { kind: "refused"; code: string; message: string }
  /** Paused or deleted: its scheduler is removed. */
  | { kind: "inactive" };

/** Turns a schedule's tick into a job of its project, through the same admission as every submit. */
export async function runScheduleTick(scheduleId: string, deps: ScheduleRunnerDeps): Promise<TickOutcome> {
  const schedule = await deps.schedules.find(null, scheduleId);
  if (!schedule || schedule.paused) {
    // A tick of a deleted or paused schedule: the scheduler should not exist any more.
    await deps.scheduleQueue.remove(scheduleId);
    return { kind: "inactive" };
  }
  const running = await unfinishedPreviousJob(schedule, deps.jobs);
  if (running) {
    await deps.schedules.recordSkip(schedule.id);
    deps.logger.info({ scheduleId, previousJobId: running }, "schedule tick skipped: its previous job is not finished");
    return { kind: "skipped", previousJobId: running };
  }
  const metadata = { ...schedule.spec.metadata, schedule: { id: schedule.id, name: schedule.name } };
  const request = {
    projectId: schedule.projectId,
    spec: { ...schedule.spec, metadata },
    note: `scheduled by ${schedule.id}`,
  };
  try {
    const { job } = await submitJob(deps, request);
    await deps.schedules.recordRun(schedule.id, job.id);
    deps.logger.info({ scheduleId, jobId: job.id }, "schedule made a job");
    return { kind: "created", jobId: job.id };
  } catch (err) {
    const error = toPatchbayError(err);
    // Caller mistakes (policy, source, a full queue) are the schedule's state; anything else is retried by BullMQ.
    if (error.code !== "invalid_request" && error.code !== "rate_limited") throw err;
    await deps.schedules.recordSkip(schedule.id, { code: error.code, message: error.message });
    deps.logger.warn({ scheduleId, code: error.code, reason: error.message }, "schedule tick refused");
    return { kind: "refused", code: error.code, message: error.message };
  }
}

async function unfinishedPreviousJob(schedule: ScheduleRecord, jobs: JobRepository): Promise<string | null> {
  if (schedule.allowOverlap || !schedule.lastJobId) return null;
  const previous = await jobs.findById(schedule.lastJobId);
  return previous && !isTerminal(previous.status) ? previous.id : null;
}

/** Registers schedulers that Redis lost (e.g. after a flush) for its queue's schedules that are not paused. */
export async function restoreSchedulers(deps: Pick<ScheduleRunnerDeps, "schedules" | "scheduleQueue">): Promise<void> {
  for (const s of await deps.schedules.active(deps.scheduleQueue.jobQueue)) {
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
