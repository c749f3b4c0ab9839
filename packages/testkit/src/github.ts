import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./http.js";

/** One request the stand-in received. */
export interface GithubRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** What the stand-in holds: every write is kept so tests can read the result as GitHub would show it. */
export interface GithubState {
  pulls: Array<{ number: number; head: string; base: string; title: string; body: string; html_url: string }>;
  comments: Array<{ id: number; issue: number; body: string; html_url: string }>;
  checkRuns: Array<{ id: number; head_sha: string; external_id: string; fields: Record<string, unknown> }>;
  statuses: Array<{ sha: string; state: string; context: string; target_url: string }>;
  /** Pull request reviews, with their line comments. */
  reviews: Array<{
    id: number;
    pull: number;
    commit_id: string;
    event: string;
    body: string;
    comments: Array<Record<string, unknown>>;
  }>;
}

/** A GitHub REST stand-in on loopback for the job round trip; every request is recorded. */
export interface GithubStandIn extends GithubState {
  url: string;
  requests: GithubRequest[];
  /** Answer 403 to check-run creation, as GitHub does for a personal access token. */
  refuseCheckRuns: boolean;
  /** Answer 422 to a review with line comments, as GitHub does for a line outside the diff. */
  refuseReviewComments: boolean;
  /** Writes only (`METHOD path`), in order. */
  writes(): string[];
  reset(): void;
  close(): Promise<void>;
}

type Answer = [number, unknown];

function pulls(s: GithubStandIn, method: string, repo: string, rest: string, body: Record<string, unknown>): Answer {
  if (method === "GET" && rest.startsWith("?")) {
    const head = new URLSearchParams(rest.slice(1)).get("head")?.split(":")[1];
    return [200, s.pulls.filter((p) => p.head === head)];
  }
  if (method === "POST" && rest === "") {
    const number = 40 + s.pulls.length;
    const pull = {
      number,
      head: String(body.head),
      base: String(body.base),
      title: String(body.title),
      body: String(body.body),
      html_url: `https://github.test/${repo}/pull/${number}`,
    };
    s.pulls.push(pull);
    return [201, pull];
  }
  const reviewsOf = /^\/(\d+)\/reviews(\?.*)?$/.exec(rest);
  if (reviewsOf) return reviews(s, method, Number(reviewsOf[1]), body);
  const pull = s.pulls.find((p) => `/${p.number}` === rest);
  if (method === "PATCH" && pull) return [200, Object.assign(pull, body)];
  return [404, { message: "Not Found" }];
}

function reviews(s: GithubStandIn, method: string, pull: number, body: Record<string, unknown>): Answer {
  if (method === "GET") return [200, s.reviews.filter((r) => r.pull === pull)];
  if (method !== "POST") return [404, { message: "Not Found" }];
  const comments = Array.isArray(body.comments) ? (body.comments as Array<Record<string, unknown>>) : [];
  if (s.refuseReviewComments && comments.length > 0)
    return [422, { message: "Unprocessable Entity", errors: ["Line could not be resolved"] }];
  const review = {
    id: 5000 + s.reviews.length,
    pull,
    commit_id: String(body.commit_id),
    event: String(body.event),
    body: String(body.body),
    comments,
  };
  s.reviews.push(review);
  return [200, { id: review.id, html_url: `https://github.test/pull/${pull}#review-${review.id}`, body: review.body }];
}

function comments(s: GithubStandIn, method: string, repo: string, path: string, body: Record<string, unknown>): Answer {
  const onIssue = /^\/issues\/(\d+)\/comments/.exec(path);
  if (onIssue && method === "GET") return [200, s.comments.filter((c) => c.issue === Number(onIssue[1]))];
  if (onIssue && method === "POST") {
    const id = 900 + s.comments.length;
    const comment = {
      id,
      issue: Number(onIssue[1]),
      body: String(body.body),
      html_url: `https://github.test/${repo}#c${id}`,
    };
    s.comments.push(comment);
    return [201, comment];
  }
  const comment = s.comments.find((c) => path === `/issues/comments/${c.id}`);
  if (method === "PATCH" && comment) return [200, Object.assign(comment, { body: String(body.body) })];
  return [404, { message: "Not Found" }];
}

function checks(s: GithubStandIn, method: string, path: string, body: Record<string, unknown>): Answer {
  const list = /^\/commits\/([0-9a-f]+)\/check-runs/.exec(path);
  if (list && method === "GET") {
    const runs = s.checkRuns.filter((r) => r.head_sha === list[1]);
    return [200, { total_count: runs.length, check_runs: runs.map((r) => ({ id: r.id, external_id: r.external_id })) }];
  }
  if (method === "POST" && path === "/check-runs") {
    if (s.refuseCheckRuns) return [403, { message: "You must authenticate via a GitHub App." }];
    const run = {
      id: 7000 + s.checkRuns.length,
      head_sha: String(body.head_sha),
      external_id: String(body.external_id),
      fields: body,
    };
    s.checkRuns.push(run);
    return [201, { id: run.id, html_url: null }];
  }
  const run = s.checkRuns.find((r) => path === `/check-runs/${r.id}`);
  if (method === "PATCH" && run) {
    run.fields = { ...run.fields, ...body };
    return [200, { id: run.id, html_url: null }];
  }
  const status = /^\/statuses\/([0-9a-f]+)$/.exec(path);
  if (method === "POST" && status) {
    const entry = {
      sha: status[1] ?? "",
      state: String(body.state),
      context: String(body.context),
      target_url: String(body.target_url),
    };
    s.statuses.push(entry);
    return [201, entry];
  }
  return [404, { message: "Not Found" }];
}

function route(s: GithubStandIn, method: string, url: string, body: Record<string, unknown>): Answer {
  const match = /^\/repos\/([^/]+\/[^/?]+)(.*)$/.exec(url);
  if (!match) return [404, { message: "Not Found" }];
  const [, repo = "", path = ""] = match;
  if (method === "GET" && path === "") return [200, { full_name: repo, default_branch: "main" }];
  if (path.startsWith("/pulls")) return pulls(s, method, repo, path.slice("/pulls".length), body);
  if (path.startsWith("/issues")) return comments(s, method, repo, path, body);
  return checks(s, method, path, body);
}

/** Starts the stand-in on a free loopback port (repositories: any `owner/name`, default branch `main`). */
export async function startGithubStandIn(): Promise<GithubStandIn> {
  const server = createServer();
  const state: GithubStandIn = {
    url: "",
    requests: [],
    refuseCheckRuns: false,
    refuseReviewComments: false,
    reviews: [],
    pulls: [],
    comments: [],
    checkRuns: [],
    statuses: [],
    writes: () => state.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`),
    reset: () => {
      for (const list of [state.requests, state.pulls, state.comments, state.checkRuns, state.statuses, state.reviews])
        list.length = 0;
      state.refuseCheckRuns = false;
      state.refuseReviewComments = false;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
  server.on("request", async (req, res) => {
    const text = await readBody(req);
    const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    state.requests.push({ method, path, authorization: req.headers.authorization, body });
    const [status, answer] = route(state, method, path, body);
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answer));
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
