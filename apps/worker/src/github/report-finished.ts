import type { JobRecord, JobRepository } from "@patchbay/db";
import type { Logger } from "pino";
import type { SecretSource } from "../pipeline/secrets.js";
import { GITHUB_TOKEN_SECRET, type GithubReportStore, GithubRoundTrip } from "./round-trip.js";

const ATTEMPTS = 4;

/** Reports jobs to GitHub when they start and when they finish. */
export interface GithubReporter {
  /** The "started" reply and the in-progress check run. */
  started(jobId: string): Promise<void>;
  /** The pull request, the "finished" reply and the completed check run. */
  finished(jobId: string): Promise<void>;
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
  const queue = (jobId: string, step: (job: JobRecord, token?: string) => Promise<unknown>) => {
    const next = (chains.get(jobId) ?? Promise.resolve()).then(() => withRetries(jobId, step));
    chains.set(jobId, next);
    void next.finally(() => chains.get(jobId) === next && chains.delete(jobId));
    return next;
  };
  return {
    started: (jobId) => queue(jobId, (job, token) => roundTrip.started(job, token)),
    finished: (jobId) => queue(jobId, (job, token) => roundTrip.report(job, token)),
  };
}
