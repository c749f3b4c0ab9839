import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { QUEUE_CATALOG, type RunJobPayload } from "./catalog.js";
import { muteQueueErrors } from "./connection.js";

export const RUN_JOB = "run-job";

/** Producer side of the job queue. */
export class JobQueue {
  readonly queue: Queue<RunJobPayload>;

  constructor(
    readonly name: string,
    connection: Redis,
  ) {
    this.queue = new Queue<RunJobPayload>(name, {
      connection,
      defaultJobOptions: { attempts: QUEUE_CATALOG.runJob.attempts, removeOnComplete: 1000, removeOnFail: 5000 },
    });
    muteQueueErrors(this.queue);
  }

  /**
   * Enqueues a job run. The BullMQ id is the job id, so enqueueing a waiting or running job
   * again is harmless; a finished entry left from an earlier run (kept for inspection) would
   * make BullMQ ignore the add, so it is removed first.
   */
  async enqueue(payload: RunJobPayload): Promise<void> {
    const data = QUEUE_CATALOG.runJob.payload.parse(payload);
    const existing = await this.queue.getJob(data.jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== "completed" && state !== "failed") return;
      await existing.remove();
    }
    await this.queue.add(RUN_JOB, data, { jobId: data.jobId });
  }

  /** Removes a job that has not started yet; false when it is running or gone. */
  async removeWaiting(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    if (state !== "waiting" && state !== "delayed" && state !== "prioritized") return false;
    await job.remove();
    return true;
  }

  /** Whether the queue still holds an entry for the job (waiting, active or delayed). */
  async has(jobId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobId);
    if (!job) return false;
    const state = await job.getState();
    return state !== "completed" && state !== "failed" && state !== "unknown";
  }

  /** Closes the producer connection. */
  async close(): Promise<void> {
    await this.queue.close();
  }
}
