import { isTerminal } from "@patchbay/core";
import type { GithubReportIds, JobRecord } from "@patchbay/db";
import { GithubClient, type GithubComment, type GithubPull } from "./client.js";
import { type CommitState, reportOnCommit } from "./commit-report.js";
import {
  commitSummary,
  conclusionOf,
  finishComment,
  jobMarker,
  pullRequestBody,
  pullRequestTitle,
  startComment,
  startMarker,
} from "./report.js";
import { postPullReview } from "./review-post.js";

/** The project secret whose token the round trip uses (repo scope: pull requests, issues, checks). */
export const GITHUB_TOKEN_SECRET = "GITHUB_TOKEN";

/** What the round trip did on GitHub for a job. */
export interface GithubReport {
  pullRequest?: { number: number; url: string };
  comment?: { id: number; url: string };
  checkRun?: { id: number };
  /** A review job's findings, posted as a review of the pull request it was asked on. */
  review?: { id: number };
  /** Why nothing was done (no token, not from GitHub, nothing to report). */
  skipped?: string;
}

/** Where the round trip keeps the GitHub ids of a job's comments, check run and pull request. */
export interface GithubReportStore {
  find(jobId: string): Promise<GithubReportIds>;
  save(jobId: string, ids: GithubReportIds): Promise<void>;
}

/** A store that forgets on restart (tests; without it, posts are still found again by marker). */
export function memoryReportStore(): GithubReportStore {
  const byJob = new Map<string, GithubReportIds>();
  return {
    find: async (jobId) => ({ ...byJob.get(jobId) }),
    save: async (jobId, ids) => void byJob.set(jobId, { ...byJob.get(jobId), ...ids }),
  };
}

/** A job's GitHub work under way: the client with the project's token and what was posted before. */
interface Session {
  client: GithubClient;
  repo: string;
  jobUrl: string;
  stored: GithubReportIds;
}

interface GithubSource {
  event: string;
  repository: string;
  issue?: number;
}

/** Where a job came from on GitHub (`metadata.github`, set by the webhook intake). */
function githubSource(job: JobRecord): GithubSource | undefined {
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

/** What the job should get on GitHub: a reply (issue number), a commit report (sha), a pull request. */
function targets(job: JobRecord) {
  const source = githubSource(job);
  const replyTo = source && ["issues", "issue_comment"].includes(source.event) ? source.issue : undefined;
  const commit = source?.event === "workflow_run" ? job.spec.repo.commit : undefined;
  const wantsPull = job.spec.output?.pullRequest === true && job.result?.push !== undefined;
  return { replyTo, commit, wantsPull };
}

/**
 * Reports a job back to GitHub. When it starts: a reply on the issue or pull request it was made
 * from, and an in-progress check run on a `workflow_run` job's commit. When it finished: the pull
 * request of `output.pullRequest` (opened, or edited on a retry), a second reply with the PR link
 * or the reason it failed, and the check run completed with the job's conclusion. Idempotent: the
 * GitHub ids go to the store and a retry edits them; without stored ids, Patchbay's posts are
 * found again (comments by a hidden marker, the PR by its head branch, the check run by external id).
 */
export class GithubRoundTrip {
  private readonly store: GithubReportStore;

  constructor(
    private readonly options: { apiUrl: string; jobUrl: (jobId: string) => string; store?: GithubReportStore },
  ) {
    this.store = options.store ?? memoryReportStore();
  }

  /** The "started" reply and the in-progress check run; throws PatchbayError("github_failed") for a retry. */
  async started(job: JobRecord, token: string | undefined): Promise<GithubReport> {
    const { replyTo, commit } = targets(job);
    if (replyTo === undefined && commit === undefined) return { skipped: "not made from an issue, comment or run" };
    const session = await this.session(job, token);
    if (typeof session === "string") return { skipped: session };
    const { client, repo, jobUrl, stored } = session;
    const report: GithubReport = {};
    if (replyTo !== undefined) {
      const body = startComment(job, jobUrl);
      const comment = await upsertComment(client, repo, replyTo, startMarker(job.id), body, stored.startCommentId);
      await this.store.save(job.id, { startCommentId: comment.id });
      report.comment = { id: comment.id, url: comment.html_url };
    }
    if (commit !== undefined) {
      const state = { ...commitSummary(job, jobUrl), detailsUrl: jobUrl };
      Object.assign(report, await this.onCommit(session, job.id, commit, state));
    }
    return report;
  }

  /** The finished job's pull request, reply and check run; throws PatchbayError("github_failed") for a retry. */
  async report(job: JobRecord, token: string | undefined): Promise<GithubReport> {
    if (!isTerminal(job.status)) return { skipped: "the job has not finished" };
    const { replyTo, commit, wantsPull } = targets(job);
    if (!wantsPull && replyTo === undefined && commit === undefined) {
      return { skipped: "no pull request asked for and not made from GitHub" };
    }
    const session = await this.session(job, token);
    if (typeof session === "string") return { skipped: session };
    const { client, repo, jobUrl, stored } = session;
    const report: GithubReport = {};
    if (wantsPull) {
      const pull = await this.upsertPull(client, repo, job, jobUrl, stored.pullNumber);
      await this.store.save(job.id, { pullNumber: pull.number });
      report.pullRequest = { number: pull.number, url: pull.html_url };
    }
    if (replyTo !== undefined) {
      const body = finishComment(job, jobUrl, report.pullRequest?.url);
      const comment = await upsertComment(client, repo, replyTo, jobMarker(job.id), body, stored.finishCommentId);
      await this.store.save(job.id, { finishCommentId: comment.id });
      report.comment = { id: comment.id, url: comment.html_url };
      const review = job.result?.review;
      if (review) report.review = await postPullReview(client, { repo, pull: replyTo, jobId: job.id, jobUrl }, review);
    }
    if (commit !== undefined) {
      const summary = commitSummary(job, jobUrl, report.pullRequest?.url);
      const state = { ...summary, conclusion: conclusionOf(job), detailsUrl: jobUrl };
      Object.assign(report, await this.onCommit(session, job.id, commit, state));
    }
    return report;
  }

  /** What both reports need (client, job link, stored ids), or why the job gets nothing. */
  private async session(job: JobRecord, token: string | undefined): Promise<Session | string> {
    const repo = githubSource(job)?.repository ?? repositoryOf(job.spec.repo.url);
    if (!token) return `the project has no secret ${GITHUB_TOKEN_SECRET}`;
    if (!repo) return `cannot tell the GitHub repository of ${job.spec.repo.url}`;
    const client = new GithubClient(this.options.apiUrl, token);
    return { client, repo, jobUrl: this.options.jobUrl(job.id), stored: await this.store.find(job.id) };
  }

  /** Puts `state` on the job's commit and stores the ids; the check run for the report, if one was used. */
  private async onCommit(session: Session, jobId: string, sha: string, state: CommitState): Promise<GithubReport> {
    const target = { repo: session.repo, sha, jobId };
    const ids = await reportOnCommit(session.client, target, state, session.stored);
    await this.store.save(jobId, ids);
    return ids.checkRunId !== undefined ? { checkRun: { id: ids.checkRunId } } : {};
  }

  private async upsertPull(
    client: GithubClient,
    repo: string,
    job: JobRecord,
    jobUrl: string,
    storedNumber: number | undefined,
  ): Promise<GithubPull> {
    const branch = job.result?.push?.branch ?? "";
    const owner = repo.split("/")[0] ?? "";
    const content = { title: pullRequestTitle(job), body: pullRequestBody(job, jobUrl) };
    const number = storedNumber ?? (await client.findOpenPull(repo, owner, branch))?.number;
    if (number !== undefined) return client.updatePull(repo, number, content);
    const ref = job.spec.repo.ref;
    const base = ref && !ref.startsWith("refs/") ? ref : await client.defaultBranch(repo);
    return client.createPull(repo, { ...content, head: branch, base });
  }
}

/** Edits Patchbay's comment (by stored id, else found by its marker), else writes it. */
async function upsertComment(
  client: GithubClient,
  repo: string,
  issue: number,
  marker: string,
  body: string,
  storedId: number | undefined,
): Promise<GithubComment> {
  const id = storedId ?? (await client.listComments(repo, issue)).find((c) => c.body?.includes(marker))?.id;
  return id !== undefined ? client.updateComment(repo, id, body) : client.createComment(repo, issue, body);
}
