import type { SandboxListing } from "./labels.js";
import type { SandboxProvider } from "./sandbox.js";

/** What the job store knows about a job; null when it does not know the job. */
export type ReapJobInfo = { finished: boolean; deadline?: Date | null } | null;

/** How the reaper decides. */
export interface ReapOptions {
  /** Looks a job up; a throw (store unreachable) spares that job's containers this round. */
  lookupJob(jobId: string): Promise<ReapJobInfo>;
  /**
   * A container of an unknown job is spared while younger than this: the job row is written
   * before its container, so "unknown" means another installation (or a test) sharing the engine.
   * @defaultValue 10 minutes
   */
  unknownGraceMs?: number;
  /** Time past a job's deadline before its container counts as outliving it. @defaultValue 60 s */
  deadlineGraceMs?: number;
  /** Idle pool containers of other providers (a dead worker's pool) older than this go. @defaultValue 1 hour */
  orphanPoolAgeMs?: number;
  /**
   * This worker's id. Its label on an idle container of another pool means an earlier run of
   * this same worker (killed, restarted) left it: such containers go at once, whatever their age.
   */
  workerId?: string;
  now?: Date;
}

/** One container the reaper removed, and why. */
export interface ReapedContainer {
  id: string;
  jobId: string;
  why: "job_finished" | "job_unknown" | "past_deadline" | "orphaned_pool";
}

/**
 * Removes this installation's containers that nobody will clean up: those whose job finished or
 * is unknown, that outlived their job's time limit, or idle pool containers a dead worker left.
 * A container of another installation (or with no installation label) is never touched.
 */
export async function reapSandboxes(
  provider: Pick<SandboxProvider, "list" | "remove" | "poolId" | "installationId">,
  options: ReapOptions,
): Promise<ReapedContainer[]> {
  const now = (options.now ?? new Date()).getTime();
  const lookups = new Map<string, Promise<ReapJobInfo | "error">>();
  const lookup = (jobId: string) => {
    let found = lookups.get(jobId);
    if (!found) {
      found = options.lookupJob(jobId).catch(() => "error" as const);
      lookups.set(jobId, found);
    }
    return found;
  };
  const reaped: ReapedContainer[] = [];
  for (const container of await provider.list()) {
    // list() filters by installation already; checked again because a removal cannot be undone.
    if (container.installationId !== provider.installationId) continue;
    const why = await verdict(container, provider.poolId, now, options, lookup);
    if (why === null) continue;
    if (await provider.remove(container.id)) reaped.push({ id: container.id, jobId: container.jobId, why });
  }
  return reaped;
}

async function verdict(
  c: SandboxListing,
  ownPool: string,
  now: number,
  options: ReapOptions,
  lookup: (jobId: string) => Promise<ReapJobInfo | "error">,
): Promise<ReapedContainer["why"] | null> {
  const age = now - c.createdAt.getTime();
  if (c.idle || c.jobId === "") {
    if (c.poolId === ownPool) return null;
    if (options.workerId !== undefined && c.workerId === options.workerId) return "orphaned_pool";
    return age > (options.orphanPoolAgeMs ?? 60 * 60_000) ? "orphaned_pool" : null;
  }
  const job = await lookup(c.jobId);
  if (job === "error") return null;
  if (job === null) return age > (options.unknownGraceMs ?? 10 * 60_000) ? "job_unknown" : null;
  if (job.finished) return "job_finished";
  const deadline = job.deadline?.getTime();
  if (deadline !== undefined && now > deadline + (options.deadlineGraceMs ?? 60_000)) return "past_deadline";
  return null;
}
