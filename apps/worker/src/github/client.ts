import { PatchbayError } from "@patchbay/core";
import { z } from "zod";

const TIMEOUT_MS = 15_000;

const Pull = z.object({ number: z.number(), html_url: z.string(), node_id: z.string().optional() });
const Comment = z.object({ id: z.number(), html_url: z.string(), body: z.string().nullable().optional() });

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
      throw new PatchbayError("github_failed", `${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
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
}
