import { PatchbayError } from "@patchbay/core";
import type { GithubReportIds } from "@patchbay/db";
import type { CheckRunFields, GithubClient } from "./client.js";

/** The name of Patchbay's check run and the context of its commit status. */
export const CHECK_NAME = "Patchbay";

/** What a job's commit should show: running, or finished with a conclusion. */
export interface CommitState {
  conclusion?: NonNullable<CheckRunFields["conclusion"]>;
  title: string;
  summary: string;
  detailsUrl: string;
}

const STATUS_STATE = {
  success: "success",
  failure: "failure",
  cancelled: "error",
  timed_out: "error",
  neutral: "success",
} as const;

/**
 * Puts the job's state on its commit: a check run (created once, then edited: found again by its
 * stored id or by external id), or a commit status when the token may not write check runs
 * (GitHub answers 403 for a personal token). Returns the ids to store.
 */
export async function reportOnCommit(
  client: GithubClient,
  target: { repo: string; sha: string; jobId: string },
  state: CommitState,
  stored: GithubReportIds,
): Promise<GithubReportIds> {
  const { repo, sha, jobId } = target;
  if (stored.commitReport !== "status") {
    const fields: CheckRunFields = {
      details_url: state.detailsUrl,
      external_id: jobId,
      status: state.conclusion ? "completed" : "in_progress",
      ...(state.conclusion ? { conclusion: state.conclusion, completed_at: new Date().toISOString() } : {}),
      output: { title: state.title, summary: state.summary.slice(0, 60_000) },
    };
    const id =
      stored.checkRunId ?? (await client.findCheckRun(repo, sha, CHECK_NAME, jobId).catch(() => undefined))?.id;
    if (id !== undefined)
      return { checkRunId: (await client.updateCheckRun(repo, id, fields)).id, commitReport: "check_run" };
    try {
      const created = await client.createCheckRun(repo, {
        ...fields,
        name: CHECK_NAME,
        head_sha: sha,
        started_at: new Date().toISOString(),
      });
      return { checkRunId: created.id, commitReport: "check_run" };
    } catch (err) {
      if (!(err instanceof PatchbayError && (err.details as { status?: number } | undefined)?.status === 403))
        throw err;
    }
  }
  await client.setCommitStatus(repo, sha, {
    state: state.conclusion ? STATUS_STATE[state.conclusion] : "pending",
    target_url: state.detailsUrl,
    description: state.title.slice(0, 140),
    context: CHECK_NAME,
  });
  return { commitReport: "status" };
}
