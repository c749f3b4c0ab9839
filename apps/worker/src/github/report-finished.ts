import type { JobRepository } from "@patchbay/db";
import type { Logger } from "pino";
import type { SecretSource } from "../pipeline/secrets.js";
import { GITHUB_TOKEN_SECRET, GithubRoundTrip } from "./round-trip.js";

const ATTEMPTS = 4;

/**
 * Reports a finished job back to GitHub (pull request for `output.pullRequest`, a reply on the
 * issue or comment that asked), retried with backoff: the round trip edits what it already
 * posted, so a retry never duplicates. Best effort: a failure is logged, never fails the job.
 */
export function githubReporter(deps: {
  jobs: JobRepository;
  secrets: SecretSource | undefined;
  apiUrl: string;
  publicUrl: string;
  logger: Logger;
}): (jobId: string) => Promise<void> {
  const roundTrip = new GithubRoundTrip({ apiUrl: deps.apiUrl, jobUrl: (id) => `${deps.publicUrl}/v1/jobs/${id}` });
  return async (jobId) => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const job = await deps.jobs.findById(jobId);
        if (!job) return;
        const token = (await deps.secrets?.values(job.projectId))?.[GITHUB_TOKEN_SECRET];
        await roundTrip.report(job, token);
        return;
      } catch (err) {
        deps.logger.warn({ err, jobId, attempt }, "reporting the job to GitHub failed");
        if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 1000 * 4 ** (attempt - 1)));
      }
    }
  };
}
