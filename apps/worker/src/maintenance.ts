import { isTerminal } from "@patchbay/core";
import type { JobRepository } from "@patchbay/db";
import type { JobQueue } from "@patchbay/queue";
import type { SandboxProvider } from "@patchbay/sandbox";
import type { Logger } from "pino";

/** Removes Patchbay containers whose job is finished or unknown. Returns how many. */
export async function reapContainers(sandboxes: SandboxProvider, jobs: JobRepository, logger: Logger): Promise<number> {
  let removed = 0;
  for (const container of await sandboxes.list()) {
    const job = await jobs.findById(container.jobId).catch(() => undefined);
    if (job === undefined || (job && !isTerminal(job.status))) continue;
    removed += await sandboxes.destroyForJob(container.jobId);
    logger.info({ jobId: container.jobId, container: container.id }, "reaped container of a finished job");
  }
  return removed;
}

/** Re-enqueues queued jobs whose queue entry is missing (the submit's enqueue failed). */
export async function sweepQueued(
  jobs: JobRepository,
  queue: JobQueue,
  logger: Logger,
  graceMs = 15_000,
): Promise<number> {
  let requeued = 0;
  for (const id of await jobs.listQueuedBefore(new Date(Date.now() - graceMs))) {
    if (await queue.has(id)) continue;
    await queue.enqueue({ jobId: id });
    requeued++;
    logger.warn({ jobId: id }, "re-enqueued a queued job that had no queue entry");
  }
  return requeued;
}
