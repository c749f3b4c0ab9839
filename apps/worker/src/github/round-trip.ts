import { isTerminal } from "@patchbay/core";
import type { JobRecord } from "@patchbay/db";
import { GithubClient, type GithubComment, type GithubPull } from "./client.js";
import { finishComment, jobMarker, pullRequestBody, pullRequestTitle } from "./report.js";

/** The project secret whose token the round trip uses (repo scope: pull requests, issues). */
export const GITHUB_TOKEN_SECRET = "GITHUB_TOKEN";

/** What the round trip did on GitHub for a job. */
export interface GithubReport {
  pullRequest?: { number: number; url: string };
  comment?: { id: number; url: string };
  /** Why nothing was done (no token, not from GitHub, nothing to report). */
  skipped?: string;
}

/** Where a job came from on GitHub (`metadata.github`, set by the webhook intake). */
function githubSource(job: JobRecord): { event: string; repository: string; issue?: number } | undefined {
  const github = (
    job.spec.metadata as { github?: { event?: unknown; repository?: unknown; url?: unknown } } | undefined
  )?.github;
  if (typeof github?.event !== "string" || typeof github.repository !== "string") return undefined;
  const number = typeof github.url === "string" ? /\/(?:issues|pull)\/(\d+)/.exec(github.url)?.[1] : undefined;
  return { event: github.event, repository: github.repository, ...(number ? { issue: Number(number) } : {}) };
}

/** `owner/name` of a GitHub-style clone address (https://host/owner/name(.git)), else undefined. */
export function repositoryOf(url: string): string | undefined {
  const match = /^(?:https?:\/\/[^/]+\/|git@[^:]+:|ssh:\/\/git@[^/]+\/)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(url);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * Reports a finished job back to GitHub: opens (or, on a retry, edits) the pull request of a job
 * with `output.pullRequest` whose branch was pushed, and replies on the issue or pull request a
 * job was made from. Idempotent: Patchbay's pull request is found by its head branch and its
 * comment by a hidden marker naming the job, so a retried call edits instead of duplicating.
 */
export class GithubRoundTrip {
  constructor(private readonly options: { apiUrl: string; jobUrl: (jobId: string) => string }) {}

  /** Does the job's GitHub work with `token`; throws PatchbayError("github_failed") for a retry. */
  async report(job: JobRecord, token: string | undefined): Promise<GithubReport> {
    if (!isTerminal(job.status)) return { skipped: "the job has not finished" };
    const source = githubSource(job);
    const wantsPull = job.spec.output?.pullRequest === true && job.result?.push !== undefined;
    const replyTo = source && ["issues", "issue_comment"].includes(source.event) ? source.issue : undefined;
    if (!wantsPull && replyTo === undefined) return { skipped: "no pull request asked for and not made from GitHub" };
    if (!token) return { skipped: `the project has no secret ${GITHUB_TOKEN_SECRET}` };
    const repo = source?.repository ?? repositoryOf(job.spec.repo.url);
    if (!repo) return { skipped: `cannot tell the GitHub repository of ${job.spec.repo.url}` };
    const client = new GithubClient(this.options.apiUrl, token);
    const jobUrl = this.options.jobUrl(job.id);
    const report: GithubReport = {};
    if (wantsPull) {
      const pull = await this.upsertPull(client, repo, job, jobUrl);
      report.pullRequest = { number: pull.number, url: pull.html_url };
    }
    if (replyTo !== undefined) {
      const comment = await upsertComment(
        client,
        repo,
        replyTo,
        job.id,
        finishComment(job, jobUrl, report.pullRequest?.url),
      );
      report.comment = { id: comment.id, url: comment.html_url };
    }
    return report;
  }

  private async upsertPull(client: GithubClient, repo: string, job: JobRecord, jobUrl: string): Promise<GithubPull> {
    const branch = job.result?.push?.branch ?? "";
    const owner = repo.split("/")[0] ?? "";
    const content = { title: pullRequestTitle(job), body: pullRequestBody(job, jobUrl) };
    const open = await client.findOpenPull(repo, owner, branch);
    if (open) return client.updatePull(repo, open.number, content);
    const ref = job.spec.repo.ref;
    const base = ref && !ref.startsWith("refs/") ? ref : await client.defaultBranch(repo);
    return client.createPull(repo, { ...content, head: branch, base });
  }
}

/** Edits Patchbay's comment for the job on the issue when there is one, else writes it. */
async function upsertComment(
  client: GithubClient,
  repo: string,
  issue: number,
  jobId: string,
  body: string,
): Promise<GithubComment> {
  const marker = jobMarker(jobId);
  const mine = (await client.listComments(repo, issue)).find((c) => c.body?.includes(marker));
  return mine ? client.updateComment(repo, mine.id, body) : client.createComment(repo, issue, body);
}
