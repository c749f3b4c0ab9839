import type { JobRepository } from "@patchbay/db";
import type { JobQueue } from "@patchbay/queue";
import type { Logger } from "pino";

/**
 * Re-enqueues queued jobs whose queue entry is missing: the submit's enqueue failed, or Redis
 * lost its data. The grace period leaves time for a submit that is still enqueueing.
 */
export async function sweepQueued(
  jobs: JobRepository,
  queue: JobQueue,
  logger: Logger,
  graceMs = 15_000,
): Promise<number> {
  let requeued = 0;
  for (const id of await jobs.listQueuedBefore(queue.name, new Date(Date.now() - graceMs))) {
    if (await queue.has(id)) continue;
    await queue.enqueue({ jobId: id });
    requeued++;
    logger.warn({ jobId: id }, "re-enqueued a queued job that had no queue entry");
  }
  return requeued;
}

/**
 * Hands back running jobs whose worker is silent (no heartbeat for `silentMs`) and whose queue
 * entry is gone, so no live worker can be running them. (A dead worker's job that still has its
 * entry is BullMQ's to recover, through stalled-job detection.)
 */
export async function sweepOrphaned(
  jobs: JobRepository,
  queue: JobQueue,
  logger: Logger,
  silentMs: number,
): Promise<number> {
  let requeued = 0;
  for (const id of await jobs.listRunningSilentSince(queue.name, new Date(Date.now() - silentMs))) {
    if (await queue.has(id)) continue;
    const note = "its worker was lost and the queue entry with it; the job goes back to the queue";
    if (!(await jobs.transition(id, "queued", { phase: null }, note))) continue;
    await queue.enqueue({ jobId: id });
    requeued++;
    logger.warn({ jobId: id }, "re-enqueued an orphaned running job");
  }
  return requeued;
}
