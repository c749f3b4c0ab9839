import { createHash, randomUUID } from "node:crypto";
import type { JobSpec } from "@patchbay/core";
import type { JobRecord, JobRepository } from "@patchbay/db";
import type { JobQueue } from "@patchbay/queue";
import type { Logger } from "pino";
import type { SubmitAdmission } from "./admission.js";

/** What submitting needs: the job store, the queue, and the server's admission rules. */
export interface SubmitDeps {
  jobs: JobRepository;
  queue: Pick<JobQueue, "name" | "enqueue">;
  admission: SubmitAdmission;
  logger: Logger;
  /** Time one enqueue may take before it is retried. @defaultValue 2000 */
  enqueueTimeoutMs?: number;
}

/** One job to submit into a project. */
export interface SubmitRequest {
  projectId: string;
  spec: JobSpec;
  /** A retry with the same key (in the project) returns the same job; another spec with it is a 409. */
  idempotencyKey?: string;
  /** Said on the job's first status event (`queued`), e.g. which schedule made it. */
  note?: string;
  /** For a follow-up: the job it follows and the thread's first job. */
  thread?: { parentId: string; rootId: string };
}

/** The job, and whether this call made it (false: an idempotent repeat). */
export interface SubmitResult {
  job: JobRecord;
  created: boolean;
}

/**
 * The one way a job is made: admission (repository policy, source ownership, project queue cap),
 * then the row with its `queued` event in one transaction, then the enqueue. A failed enqueue
 * is logged and left to the worker's sweeper, which re-enqueues queued jobs without an entry.
 */
export async function submitJob(deps: SubmitDeps, request: SubmitRequest): Promise<SubmitResult> {
  const { projectId, spec, idempotencyKey, note, thread } = request;
  await deps.admission.check(projectId, spec);
  const requestHash = createHash("sha256").update(JSON.stringify(spec)).digest("hex");
  const queued = { status: "queued" as const, phase: null, ...(note ? { message: note } : {}) };
  const { job, created } = await deps.jobs.create({
    id: randomUUID(),
    projectId,
    queue: deps.queue.name,
    spec,
    events: [{ type: "status", data: queued }],
    ...(idempotencyKey ? { idempotencyKey, requestHash } : {}),
    ...(thread ? { thread } : {}),
  });
  if (created) await enqueueWithRetry(deps, job.id);
  return { job, created };
}

async function enqueueWithRetry(deps: SubmitDeps, jobId: string): Promise<void> {
  const timeoutMs = deps.enqueueTimeoutMs ?? 2000;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await withTimeout(deps.queue.enqueue({ jobId }), timeoutMs);
      return;
    } catch (err) {
      deps.logger.warn({ err, jobId, attempt }, "enqueue failed; the sweeper will retry");
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms).unref()),
  ]);
}
