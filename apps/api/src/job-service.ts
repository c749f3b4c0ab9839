import { createHash, randomUUID } from "node:crypto";
import { type JobSpec, PatchbayError } from "@patchbay/core";
import type { JobEventRepository, JobRecord, JobRepository } from "@patchbay/db";
import { CANCEL_CHANNEL, type JobQueue, pingRedis } from "@patchbay/queue";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface JobServiceDeps {
  jobs: JobRepository;
  events: JobEventRepository;
  queue: JobQueue;
  redis: Redis;
  logger: Logger;
}

/** Submit and cancel: the writes the API makes, in the order that loses nothing. */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /** Stores the job in the project, then enqueues it; a failed enqueue is left to the worker's sweeper. */
  async submit(
    spec: JobSpec,
    idempotencyKey?: string,
    projectId?: string,
  ): Promise<{ job: JobRecord; created: boolean }> {
    // Without Redis the job could not start soon: say so now rather than accept it silently.
    if (!(await pingRedis(this.deps.redis, 1000))) {
      throw new PatchbayError("unavailable", "the job queue (Redis) is unavailable; retry later");
    }
    const requestHash = createHash("sha256").update(JSON.stringify(spec)).digest("hex");
    const { job, created } = await this.deps.jobs.create({
      queue: this.deps.queue.name,
      id: randomUUID(),
      spec,
      ...(projectId ? { projectId } : {}),
      ...(idempotencyKey ? { idempotencyKey, requestHash } : {}),
    });
    if (created) {
      await this.deps.events.appendBatch(job.id, [{ type: "status", data: { status: "queued", phase: null } }]);
      await this.enqueueWithRetry(job.id);
    }
    return { job, created };
  }

  private async enqueueWithRetry(jobId: string): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await withTimeout(this.deps.queue.enqueue({ jobId }), 2000);
        return;
      } catch (err) {
        this.deps.logger.warn({ err, jobId, attempt }, "enqueue failed; the sweeper will retry");
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }

  /** Cancels a job: a queued one at once, a running one by telling its worker. */
  async cancel(id: string): Promise<JobRecord> {
    const job = await this.deps.jobs.requestCancel(id);
    if (!job) throw new PatchbayError("not_found", `no job with id ${id}`);
    if (job.status === "queued") {
      await this.deps.queue.removeWaiting(id);
      await this.deps.jobs.transition(id, "cancelled", { error: cancelledError() }, "cancelled before it started");
    } else if (job.status === "running") {
      await this.deps.redis.publish(CANCEL_CHANNEL, id);
    }
    return (await this.deps.jobs.findById(id)) ?? job;
  }
}

function cancelledError() {
  return { code: "cancelled" as const, message: "the job was cancelled", retryable: false };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);
}
