import { isTerminal } from "@patchbay/core";
import { JobRun, type PipelineDeps, type RunOutcome } from "./pipeline/job-run.js";
import { retryStorage } from "./pipeline/retry-storage.js";
import type { RunRegistry } from "./run-registry.js";

/** How often a running job's row is touched, so sweepers can tell a live worker from a dead one. */
export const HEARTBEAT_MS = 10_000;

/**
 * BullMQ's processor for one delivery of a job. A repeat delivery of a finished job does
 * nothing; a job whose worker died (still `running`) starts a new attempt, continuing the
 * job's event numbering. Returns "handed_back" when the job went back to the queue. Taking the
 * job waits out a database outage rather than failing the delivery.
 */
export async function processJob(
  jobId: string,
  deps: PipelineDeps,
  registry: RunRegistry,
  /** Told once the attempt holds the job (it shows as running), e.g. to reply on GitHub. */
  onStarted?: (jobId: string) => void,
): Promise<RunOutcome> {
  const stored = <T>(what: string, call: () => Promise<T>) => retryStorage(what, call, deps.logger.child({ jobId }));
  const job = await stored("read job", () => deps.jobs.findById(jobId));
  if (!job || isTerminal(job.status)) return "done";
  if (job.cancelRequested) {
    const error = { code: "cancelled" as const, message: "the job was cancelled", retryable: false };
    await stored("status cancelled", () => deps.jobs.transition(jobId, "cancelled", { phase: null, error }));
    return "done";
  }
  const attempt = job.attempt + 1;
  const note = attempt > 1 ? `attempt ${attempt} started (the previous one did not finish)` : "started";
  // Registered before the job shows as running, so a cancel published from then on reaches it.
  const run = registry.start(jobId);
  const taken = { phase: "provision" as const, workerId: deps.settings.workerId };
  if (!(await stored("status running", () => deps.jobs.transition(jobId, "running", taken, note, attempt)))) {
    registry.end(jobId, run);
    return "done";
  }
  const started = (await stored("read job", () => deps.jobs.findById(jobId))) ?? job;
  onStarted?.(jobId);
  if (started.cancelRequested) run.abort("cancelled");
  // A previous attempt on a worker that died may have left its container behind (containers are
  // made only after the transition above, so a first attempt has none to look for).
  if (attempt > 1) await deps.sandboxes.destroyForJob(jobId);
  const timer = setTimeout(() => run.abort("timed_out"), job.spec.limits.timeoutSec * 1000);
  const heartbeat = setInterval(() => void beat(deps, run, jobId, started.attempt), HEARTBEAT_MS);
  try {
    return await new JobRun(started, deps, run.signal).execute();
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    registry.end(jobId, run);
  }
}

/**
 * Tells the sweepers this attempt is alive, and notices what it may have missed: another worker
 * took the job over, or a cancel whose pub/sub notice was lost.
 */
async function beat(deps: PipelineDeps, run: AbortController, jobId: string, attempt: number): Promise<void> {
  try {
    if (!(await deps.jobs.touch(jobId, attempt))) {
      const job = await deps.jobs.findById(jobId);
      run.abort(job?.cancelRequested ? "cancelled" : "superseded");
      return;
    }
    if ((await deps.jobs.findById(jobId))?.cancelRequested) run.abort("cancelled");
  } catch {
    // The database is away; the next beat tries again.
  }
}
