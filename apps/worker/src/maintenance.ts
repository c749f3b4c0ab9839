import { isTerminal } from "@patchbay/core";
import type { JobRepository, SourceRepository } from "@patchbay/db";
import type { KnowledgeBase } from "@patchbay/knowledge";
import { type ReapJobInfo, reapSandboxes, type SandboxProvider } from "@patchbay/sandbox";
import type { Logger } from "pino";

// The pipeline collects the patch after a time-out before it removes the container: allow it that long.
const FINALIZE_GRACE_MS = 5 * 60_000;

/**
 * Removes Patchbay containers whose job is finished or unknown, or that outlived their job's
 * time limit, and idle pool containers a dead worker left behind. Returns how many.
 */
export async function reapContainers(
  sandboxes: SandboxProvider,
  jobs: JobRepository,
  logger: Logger,
  workerId: string,
): Promise<number> {
  const reaped = await reapSandboxes(sandboxes, { lookupJob: (jobId) => lookupJob(jobs, jobId), workerId });
  for (const r of reaped) logger.info({ jobId: r.jobId, container: r.id, why: r.why }, "reaped a sandbox container");
  return reaped.length;
}

/** Deletes uploaded source bundles past their retention that no unfinished job or schedule names. */
export async function expireSources(sources: SourceRepository, retentionDays: number, logger: Logger): Promise<number> {
  const deleted = await sources.deleteUnusedBefore(new Date(Date.now() - retentionDays * 24 * 3600_000));
  if (deleted > 0) logger.info({ deleted, retentionDays }, "deleted expired source bundles");
  return deleted;
}

/**
 * Embeds knowledge chunks that have no embedding yet (uploaded before an embeddings model was
 * configured, or whose embedding failed), at most `maxChunks` per call; nothing without a model.
 */
export async function embedPendingKnowledge(kb: KnowledgeBase, logger: Logger, maxChunks = 512): Promise<number> {
  if (!kb.hybrid) return 0;
  const embedded = await kb.embedPending({ maxChunks });
  if (embedded > 0) logger.info({ embedded }, "embedded knowledge chunks that had no embedding");
  return embedded;
}

async function lookupJob(jobs: JobRepository, jobId: string): Promise<ReapJobInfo> {
  const job = await jobs.findById(jobId);
  if (!job) return null;
  if (isTerminal(job.status)) return { finished: true };
  const started = job.startedAt?.getTime();
  const limitMs = job.spec.limits.timeoutSec * 1000 + FINALIZE_GRACE_MS;
  return { finished: false, deadline: started === undefined ? null : new Date(started + limitMs) };
}
