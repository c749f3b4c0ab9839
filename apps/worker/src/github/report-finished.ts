import type { JobRecord, JobRepository } from "@patchbay/db";
import type { Logger } from "pino";
import type { SecretSource } from "../pipeline/secrets.js";
import { GITHUB_TOKEN_SECRET, type GithubReportStore, GithubRoundTrip } from "./round-trip.js";

const ATTEMPTS = 4;
/** A job finished this long ago whose report never ran is taken by a sweep. */
const SWEEP_AFTER_MS = 30_000;
/** A claimed report still not done after this long (its worker died) may be swept again. */
const CLAIM_STALE_MS = 10 * 60_000;

/** Who reports which finished job: the worker that finished it, else a sweep (jobs the API ended, dead workers). */
export interface GithubReportLedger {
  claim(jobId: string): Promise<void>;
  markReported(jobId: string): Promise<void>;
  claimUnreported(options: {
    since: Date;
    finishedBefore: Date;
    staleBefore: Date;
    projectId?: string;
    queue?: string;
  }): Promise<string[]>;
}

/** Reports jobs to GitHub when they start and when they finish. */
export interface GithubReporter {
  /** The "started" reply and the in-progress check run. */
  started(jobId: string): Promise<void>;
  /** The pull request, the "finished" reply and the completed check run. */
  finished(jobId: string): Promise<void>;
  /**
   * Reports finished jobs nobody reported (with a ledger; all projects' and queues' unless named);
   * returns how many.
   */
  sweep(options?: { windowMs?: number; projectId?: string; queue?: string }): Promise<number>;
}

/**
 * Reports jobs back to GitHub, each report retried with backoff (the round trip edits what it
 * already posted, so a retry never duplicates). A job's reports run one after the other, so the
 * finished report never races the started one. Best effort: a failure is logged, never fails the job.
 */
export function githubReporter(deps: {
  jobs: JobRepository;
  secrets: SecretSource | undefined;
  store?: GithubReportStore;
  ledger?: GithubReportLedger;
  apiUrl: string;
  publicUrl: string;
  logger: Logger;
  /** First retry delay (default 1 s, then ×4). */
  backoffMs?: number;
}): GithubReporter {
  const roundTrip = new GithubRoundTrip({
    apiUrl: deps.apiUrl,
    jobUrl: (id) => `${deps.publicUrl}/v1/jobs/${id}`,
    ...(deps.store ? { store: deps.store } : {}),
  });
  const chains = new Map<string, Promise<void>>();
  const withRetries = async (jobId: string, step: (job: JobRecord, token?: string) => Promise<unknown>) => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const job = await deps.jobs.findById(jobId);
        if (!job) return;
        await step(job, (await deps.secrets?.values(job.projectId))?.[GITHUB_TOKEN_SECRET]);
        return;
      } catch (err) {
        deps.logger.warn({ err, jobId, attempt }, "reporting the job to GitHub failed");
        if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, (deps.backoffMs ?? 1000) * 4 ** (attempt - 1)));
      }
    }
  };
  // One job's reports run one after the other: the finished report never races the started one.
  const inOrder = (jobId: string, task: () => Promise<void>) => {
    const next = (chains.get(jobId) ?? Promise.resolve()).then(task);
    chains.set(jobId, next);
    void next.finally(() => chains.get(jobId) === next && chains.delete(jobId));
    return next;
  };
  const record = async (what: "claim" | "markReported", jobId: string) => {
    await deps.ledger?.[what](jobId).catch((err: unknown) => deps.logger.warn({ err, jobId }, `${what} failed`));
  };
  // Done or given up, it is recorded as reported: a sweep takes only reports that never ran.
  const reportFinished = (jobId: string) =>
    inOrder(jobId, async () => {
      await withRetries(jobId, (job, token) => roundTrip.report(job, token));
      await record("markReported", jobId);
    });
  return {
    started: (jobId) => inOrder(jobId, () => withRetries(jobId, (job, token) => roundTrip.started(job, token))),
    finished: async (jobId) => {
      await record("claim", jobId);
      await reportFinished(jobId);
    },
    sweep: async ({ windowMs = 3_600_000, projectId, queue } = {}) => {
      if (!deps.ledger) return 0;
      const now = Date.now();
      const ids = await deps.ledger.claimUnreported({
        ...(projectId ? { projectId } : {}),
        ...(queue ? { queue } : {}),
        since: new Date(now - windowMs),
        finishedBefore: new Date(now - SWEEP_AFTER_MS),
        staleBefore: new Date(now - CLAIM_STALE_MS),
      });
      for (const id of ids) await reportFinished(id);
      return ids.length;
    },
  };
}
