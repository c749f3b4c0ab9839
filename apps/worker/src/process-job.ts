import { isTerminal } from "@patchbay/core";
import { JobRun, type PipelineDeps } from "./pipeline/job-run.js";
import type { RunRegistry } from "./run-registry.js";

/**
 * BullMQ's processor for one delivery of a job. A repeat delivery of a finished job does
 * nothing; a job whose worker died (still `running`) starts a new attempt.
 */
export async function processJob(jobId: string, deps: PipelineDeps, registry: RunRegistry): Promise<void> {
  const job = await deps.jobs.findById(jobId);
  if (!job || isTerminal(job.status)) return;
  if (job.cancelRequested) {
    const error = { code: "cancelled" as const, message: "the job was cancelled", retryable: false };
    await deps.jobs.transition(jobId, "cancelled", { phase: null, error });
    return;
  }
  const attempt = job.attempt + 1;
  const moved = await deps.jobs.transition(jobId, "running", { phase: "provision" }, `attempt ${attempt} started`);
  if (!moved) return;
  const started = (await deps.jobs.findById(jobId)) ?? job;
  // A previous attempt on a worker that died may have left its container behind.
  await deps.sandboxes.destroyForJob(jobId);
  const signal = registry.start(jobId);
  const timer = setTimeout(() => registry.abort(jobId, "timed_out"), job.spec.limits.timeoutSec * 1000);
  try {
    await new JobRun(started, deps, signal).execute();
  } finally {
    clearTimeout(timer);
    registry.end(jobId);
  }
}
