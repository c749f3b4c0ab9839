import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { z } from "zod";
import { muteQueueErrors } from "./connection.js";

/** Payload of a job notification: the job whose terminal status is POSTed (again, for a redelivery). */
export const NotifyPayload = z.object({ jobId: z.string().uuid(), redeliver: z.boolean().optional() });
export type NotifyPayload = z.infer<typeof NotifyPayload>;

/** Payload of a schedule's tick: the schedule that should submit its job now. */
export const ScheduleTickPayload = z.object({ scheduleId: z.string().uuid() });
export type ScheduleTickPayload = z.infer<typeof ScheduleTickPayload>;

/** Delivery policy of notifications: BullMQ retries them with exponential backoff. */
export const NOTIFY_POLICY = { attempts: 6, backoffMs: 1000 } as const;

/** The notification queue of a job queue. */
export const notifyQueueName = (jobQueue: string) => `${jobQueue}-notify`;
/** The schedules queue of a job queue. */
export const scheduleQueueName = (jobQueue: string) => `${jobQueue}-schedules`;

/** Producer of job notifications (one BullMQ job per Patchbay job). */
export class NotifyQueue {
  readonly queue: Queue<NotifyPayload>;

  constructor(
    /** The job queue whose jobs this queue notifies. */
    readonly jobQueue: string,
    connection: Redis,
    policy: { backoffMs?: number } = {},
  ) {
    this.queue = new Queue<NotifyPayload>(notifyQueueName(jobQueue), {
      connection,
      defaultJobOptions: {
        attempts: NOTIFY_POLICY.attempts,
        backoff: { type: "exponential", delay: policy.backoffMs ?? NOTIFY_POLICY.backoffMs },
        removeOnComplete: 1000,
        removeOnFail: 5000,
      },
    });
    muteQueueErrors(this.queue);
  }

  /** Enqueues the job's notification; the BullMQ id is derived from the job id so a repeat is ignored. */
  async enqueue(payload: NotifyPayload): Promise<void> {
    const data = NotifyPayload.parse(payload);
    await this.queue.add("notify", data, { jobId: `notify-${data.jobId}` });
  }

  /** Enqueues one more attempt of the job's delivery (a redelivery asked for: no automatic retries). */
  async redeliver(jobId: string): Promise<void> {
    const data = NotifyPayload.parse({ jobId, redeliver: true });
    await this.queue.add("notify", data, { jobId: `notify-${jobId}-redeliver-${randomUUID()}`, attempts: 1 });
  }

  /** Closes the producer. */
  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** How often a schedule fires: a cron pattern (with optional time zone) or a fixed interval. */
export type ScheduleTiming = { cron: string; timezone?: string } | { everyMs: number };

/** Schedules as BullMQ job schedulers; each tick is a job on the schedules queue. */
export class ScheduleQueue {
  readonly queue: Queue<ScheduleTickPayload>;

  constructor(
    /** The job queue whose jobs the ticks submit. */
    readonly jobQueue: string,
    connection: Redis,
  ) {
    this.queue = new Queue<ScheduleTickPayload>(scheduleQueueName(jobQueue), {
      connection,
      defaultJobOptions: { attempts: 3, backoff: { type: "exponential", delay: 1000 }, removeOnComplete: 100 },
    });
    muteQueueErrors(this.queue);
  }

  /** Creates or replaces the scheduler of a schedule. */
  async upsert(scheduleId: string, timing: ScheduleTiming): Promise<void> {
    const repeat =
      "cron" in timing
        ? { pattern: timing.cron, ...(timing.timezone ? { tz: timing.timezone } : {}) }
        : { every: timing.everyMs };
    await this.queue.upsertJobScheduler(scheduleId, repeat, {
      name: "schedule-tick",
      data: ScheduleTickPayload.parse({ scheduleId }),
    });
  }

  /** Removes the scheduler (pause or delete); the schedule's row decides whether it comes back. */
  async remove(scheduleId: string): Promise<void> {
    await this.queue.removeJobScheduler(scheduleId);
  }

  /** When the scheduler fires next (null when it is not registered). */
  async next(scheduleId: string): Promise<Date | null> {
    const s = await this.queue.getJobScheduler(scheduleId);
    return s?.next ? new Date(s.next) : null;
  }

  /** Closes the producer. */
  async close(): Promise<void> {
    await this.queue.close();
  }
}
