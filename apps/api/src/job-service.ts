import { type JobSpec, PatchbayError } from "@patchbay/core";
import type { JobRecord, JobRepository } from "@patchbay/db";
import { type SubmitAdmission, type SubmitResult, submitJob } from "@patchbay/jobs";
import { CANCEL_CHANNEL, type JobQueue, pingRedis } from "@patchbay/queue";
import type { Redis } from "ioredis";
import type { Logger } from "pino";

export interface JobServiceDeps {
  jobs: JobRepository;
  queue: JobQueue;
  redis: Redis;
  admission: SubmitAdmission;
  logger: Logger;
}

/** Submit and cancel: the writes the API makes, in the order that loses nothing. */
export class JobService {
  constructor(private readonly deps: JobServiceDeps) {}

  /** Admits the spec into the project, stores it with its `queued` event and enqueues it (see submitJob). */
  async submit(spec: JobSpec, idempotencyKey: string | undefined, projectId: string): Promise<SubmitResult> {
    // Without Redis the job could not start soon: say so now rather than accept it silently.
    if (!(await pingRedis(this.deps.redis, 1000))) {
      throw new PatchbayError("unavailable", "the job queue (Redis) is unavailable; retry later");
    }
    return submitJob(this.deps, { projectId, spec, ...(idempotencyKey ? { idempotencyKey } : {}) });
  }

  /** Submits a follow-up of `thread.parentId` (its spec already built from the parent's). */
  async submitFollowUp(
    spec: JobSpec,
    projectId: string,
    thread: { parentId: string; rootId: string },
  ): Promise<SubmitResult> {
    if (!(await pingRedis(this.deps.redis, 1000))) {
      throw new PatchbayError("unavailable", "the job queue (Redis) is unavailable; retry later");
    }
    const note = `follow-up of job ${thread.parentId}`;
    return submitJob(this.deps, { projectId, spec, thread, note });
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
