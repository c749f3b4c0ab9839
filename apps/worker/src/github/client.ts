import { PatchbayError } from "@patchbay/core";
import { z } from "zod";

const TIMEOUT_MS = 15_000;

const Pull = z.object({ number: z.number(), html_url: z.string(), node_id: z.string().optional() });
const Comment = z.object({ id: z.number(), html_url: z.string(), body: z.string().nullable().optional() });

const CheckRunAnswer = z.object({ id: z.number(), html_url: z.string().nullable().optional() });
const Review = z.object({ id: z.number(), body: z.string().nullable().optional() });

/** A pull request review as Patchbay writes it: a body, and line comments on the head side. */
export interface PullReviewFields {
  commit_id: string;
  event: "COMMENT";
  body: string;
  comments: Array<{
    path: string;
    line: number;
    side: "RIGHT";
    start_line?: number;
    start_side?: "RIGHT";
    body: string;
  }>;
}

/** A check run as Patchbay writes it (GitHub's fields; `conclusion` only when completed). */
export interface CheckRunFields {
  name?: string;
  head_sha?: string;
  external_id?: string;
  details_url?: string;
  status: "queued" | "in_progress" | "completed";
  conclusion?: "success" | "failure" | "cancelled" | "timed_out" | "neutral";
  started_at?: string;
  completed_at?: string;
  output?: { title: string; summary: string };
}

/** A commit status as Patchbay writes it. */
export interface CommitStatusFields {
  state: "pending" | "success" | "failure" | "error";
  target_url: string;
  description: string;
  context: string;
}

/** A pull request as GitHub answers it (the parts Patchbay reads). */
export type GithubPull = z.infer<typeof Pull>;
/** An issue comment as GitHub answers it (the parts Patchbay reads). */
export type GithubComment = z.infer<typeof Comment>;

/** A minimal GitHub REST client: only the calls the job round trip needs, all to `baseUrl`. */
export class GithubClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/$/, "")}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: "application/vnd.github+json",
          authorization: `Bearer ${this.token}`,
          "x-github-api-version": "2022-11-28",
          "user-agent": "patchbay",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new PatchbayError("github_failed", `${method} ${path}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      throw new PatchbayError("github_failed", `${method} ${path}: ${res.status} ${text.slice(0, 300)}`, {
        details: { status: res.status },
      });
    }
    const parsed = schema.safeParse(text ? JSON.parse(text) : null);
    if (!parsed.success) throw new PatchbayError("github_failed", `${method} ${path}: unexpected answer`);
    return parsed.data;
  }

  /** The repository's default branch. */
  async defaultBranch(repo: string): Promise<string> {
    return (await this.call(z.object({ default_branch: z.string() }), "GET", `/repos/${repo}`)).default_branch;
  }

  /** The open pull request from `owner:branch` into the repository, if there is one. */
  async findOpenPull(repo: string, owner: string, branch: string): Promise<GithubPull | undefined> {
    const query = new URLSearchParams({ head: `${owner}:${branch}`, state: "open" });
    return (await this.call(z.array(Pull), "GET", `/repos/${repo}/pulls?${query}`))[0];
  }

  /** Opens a pull request. */
  createPull(repo: string, pull: { title: string; head: string; base: string; body: string }): Promise<GithubPull> {
    return this.call(Pull, "POST", `/repos/${repo}/pulls`, pull);
  }

  /** Rewrites a pull request's title and body. */
  updatePull(repo: string, number: number, pull: { title: string; body: string }): Promise<GithubPull> {
    return this.call(Pull, "PATCH", `/repos/${repo}/pulls/${number}`, pull);
  }

  /** The comments of an issue or pull request (first 100: Patchbay's own is looked up by marker). */
  listComments(repo: string, issue: number): Promise<GithubComment[]> {
    return this.call(z.array(Comment), "GET", `/repos/${repo}/issues/${issue}/comments?per_page=100`);
  }

  /** Comments on an issue or pull request. */
  createComment(repo: string, issue: number, body: string): Promise<GithubComment> {
    return this.call(Comment, "POST", `/repos/${repo}/issues/${issue}/comments`, { body });
  }

  /** Rewrites a comment. */
  updateComment(repo: string, id: number, body: string): Promise<GithubComment> {
    return this.call(Comment, "PATCH", `/repos/${repo}/issues/comments/${id}`, { body });
  }

  /** Creates a check run on a commit (needs a token that may write checks: a GitHub App's). */
  createCheckRun(repo: string, run: CheckRunFields & { name: string; head_sha: string }): Promise<{ id: number }> {
    return this.call(CheckRunAnswer, "POST", `/repos/${repo}/check-runs`, run);
  }

  /** Updates a check run (e.g. completes it with a conclusion). */
  updateCheckRun(repo: string, id: number, run: CheckRunFields): Promise<{ id: number }> {
    return this.call(CheckRunAnswer, "PATCH", `/repos/${repo}/check-runs/${id}`, run);
  }

  /** Patchbay's check run of a job on a commit, found by name and external id. */
  async findCheckRun(repo: string, sha: string, name: string, externalId: string): Promise<{ id: number } | undefined> {
    const query = new URLSearchParams({ check_name: name, per_page: "100" });
    const Runs = z.object({
      check_runs: z.array(CheckRunAnswer.extend({ external_id: z.string().nullable().optional() })),
    });
    const { check_runs } = await this.call(Runs, "GET", `/repos/${repo}/commits/${sha}/check-runs?${query}`);
    return check_runs.find((r) => r.external_id === externalId);
  }

  /** The reviews of a pull request (first 100: Patchbay's own is looked up by marker). */
  listReviews(repo: string, pull: number): Promise<Array<z.infer<typeof Review>>> {
    return this.call(z.array(Review), "GET", `/repos/${repo}/pulls/${pull}/reviews?per_page=100`);
  }

  /** Submits a review on a pull request. */
  createReview(repo: string, pull: number, review: PullReviewFields): Promise<{ id: number }> {
    return this.call(Review, "POST", `/repos/${repo}/pulls/${pull}/reviews`, review);
  }

  /** Sets a commit status (one per context: a repeat replaces it). */
  async setCommitStatus(repo: string, sha: string, status: CommitStatusFields): Promise<void> {
    await this.call(z.unknown(), "POST", `/repos/${repo}/statuses/${sha}`, status);
  }
}
