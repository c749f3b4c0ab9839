import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { JobRecord } from "@patchbay/db";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GithubRoundTrip } from "./round-trip.js";

/** A loopback GitHub stand-in: pulls and comments in memory, every request recorded. */
const gh = {
  server: undefined as Server | undefined,
  url: "",
  requests: [] as Array<{ method: string; path: string; auth?: string; body: Record<string, unknown> }>,
  pulls: [] as Array<{ number: number; head: string; html_url: string }>,
  comments: [] as Array<{ id: number; issue: number; body: string; html_url: string }>,
};

function route(method: string, path: string, body: Record<string, unknown>): [number, unknown] {
  const repo = "/repos/octo-org/shop";
  if (method === "GET" && path === repo) return [200, { default_branch: "main" }];
  if (method === "GET" && path.startsWith(`${repo}/pulls?`)) {
    const head = new URLSearchParams(path.split("?")[1]).get("head")?.split(":")[1];
    return [200, gh.pulls.filter((p) => p.head === head)];
  }
  if (method === "POST" && path === `${repo}/pulls`) {
    const pull = {
      number: 40 + gh.pulls.length,
      head: String(body.head),
      html_url: `https://gh.test/pull/${40 + gh.pulls.length}`,
    };
    gh.pulls.push(pull);
    return [201, pull];
  }
  const pullEdit = /\/pulls\/(\d+)$/.exec(path);
  if (method === "PATCH" && pullEdit) return [200, gh.pulls.find((p) => p.number === Number(pullEdit[1]))];
  const issue = /\/issues\/(\d+)\/comments/.exec(path);
  if (issue && method === "GET") return [200, gh.comments.filter((c) => c.issue === Number(issue[1]))];
  if (issue && method === "POST") {
    const comment = {
      id: 900 + gh.comments.length,
      issue: Number(issue[1]),
      body: String(body.body),
      html_url: "https://gh.test/c",
    };
    gh.comments.push(comment);
    return [201, comment];
  }
  const edit = /\/issues\/comments\/(\d+)$/.exec(path);
  const comment = gh.comments.find((c) => c.id === Number(edit?.[1]));
  if (method === "PATCH" && comment) {
    comment.body = String(body.body);
    return [200, comment];
  }
  return [404, { message: "Not Found" }];
}

beforeAll(async () => {
  gh.server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      gh.requests.push({ method: req.method ?? "", path: req.url ?? "", auth: req.headers.authorization, body });
      const [status, answer] = route(req.method ?? "", req.url ?? "", body);
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => gh.server?.listen(0, "127.0.0.1", r));
  gh.url = `http://127.0.0.1:${(gh.server.address() as AddressInfo).port}`;
});
afterAll(() => gh.server?.close());
beforeEach(() => {
  gh.requests.length = 0;
  gh.pulls.length = 0;
  gh.comments.length = 0;
});

const check = (passed: boolean, failed: number) => ({
  kind: "test",
  command: "npm test",
  passed,
  status: passed ? "passed" : "failed",
  exitCode: passed ? 0 : 1,
  durationMs: 100,
  outputTail: "",
  counts: { passed: 4 - failed, failed, skipped: 0 },
});

/** A finished job as the database returns it (only the fields the round trip reads are real). */
function job(spec: Record<string, unknown>, status = "succeeded"): JobRecord {
  return {
    id: "job-123",
    projectId: "p",
    status,
    spec: { repo: { url: "https://github.com/octo-org/shop.git" }, task: "Fix the cart total", ...spec },
    error:
      status === "succeeded" ? null : { code: "agent_loop", message: "the agent repeated itself", retryable: false },
    result: {
      summary: "Free shipping now uses the discounted subtotal.",
      patchStats: { files: 1, insertions: 1, deletions: 1 },
      checks: {
        before: [check(false, 1)],
        after: [check(true, 0)],
        passed: true,
        regressions: [],
        fixed: ["cart applies free shipping"],
      },
      usage: { inputTokens: 1200, outputTokens: 300, turns: 4, estimatedCostUsd: null },
      model: "gpt-test",
      baseCommit: "abc",
      push: { remote: "origin", branch: "patchbay/fix-cart", commit: "def", forced: false },
    },
  } as unknown as JobRecord;
}

const roundTrip = () => new GithubRoundTrip({ apiUrl: gh.url, jobUrl: (id) => `https://patchbay.test/v1/jobs/${id}` });
const writes = () => gh.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);

describe("GithubRoundTrip", () => {
  it("opens a pull request from the pushed branch with summary, checks table, tests fixed, usage and link; a retry edits it", async () => {
    const pr = job({ output: { branch: "patchbay/fix-cart", pullRequest: true } });
    const report = await roundTrip().report(pr, "ghs_token");
    expect(report.pullRequest).toEqual({ number: 40, url: "https://gh.test/pull/40" });
    const created = gh.requests.find((r) => r.method === "POST");
    expect(created?.auth).toBe("Bearer ghs_token");
    expect(created?.body).toMatchObject({ head: "patchbay/fix-cart", base: "main", title: "Fix the cart total" });
    const body = String(created?.body.body);
    expect(body).toContain("Free shipping now uses the discounted subtotal.");
    expect(body).toContain("| test | `npm test` | failed (3 passed, 1 failed) | passed (4 passed, 0 failed) |");
    expect(body).toContain("- `cart applies free shipping`");
    expect(body).toContain("4 turns, 1200 input and 300 output tokens");
    expect(body).toContain("https://patchbay.test/v1/jobs/job-123");

    await roundTrip().report(pr, "ghs_token");
    expect(writes()).toEqual(["POST /repos/octo-org/shop/pulls", "PATCH /repos/octo-org/shop/pulls/40"]);
  });

  it("replies on the issue a job came from with the PR link; a redelivery edits that comment", async () => {
    const metadata = {
      github: {
        event: "issue_comment",
        repository: "octo-org/shop",
        url: "https://github.com/octo-org/shop/issues/7#issuecomment-1",
      },
    };
    const fromIssue = job({ metadata, output: { branch: "patchbay/fix-cart", pullRequest: true } });
    await roundTrip().report(fromIssue, "ghs_token");
    await roundTrip().report(fromIssue, "ghs_token");
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.issue).toBe(7);
    expect(gh.comments[0]?.body).toContain("https://gh.test/pull/40");
    expect(writes().filter((w) => w.includes("comments"))).toEqual([
      "POST /repos/octo-org/shop/issues/7/comments",
      "PATCH /repos/octo-org/shop/issues/comments/900",
    ]);
  });

  it("names the reason a job failed in its reply, and does nothing without a token", async () => {
    const metadata = {
      github: { event: "issues", repository: "octo-org/shop", url: "https://github.com/octo-org/shop/issues/8" },
    };
    expect((await roundTrip().report(job({ metadata }, "failed"), undefined)).skipped).toContain("GITHUB_TOKEN");
    expect(gh.requests).toEqual([]);
    await roundTrip().report(job({ metadata }, "failed"), "ghs_token");
    expect(gh.comments[0]?.body).toContain("**failed**");
    expect(gh.comments[0]?.body).toContain("agent_loop: the agent repeated itself");
    expect(gh.pulls).toEqual([]);
  });
});
