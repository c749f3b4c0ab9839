import { isTerminal } from "@patchbay/core";
import type { JobRepository } from "@patchbay/db";
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
