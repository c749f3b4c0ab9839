import type { JobRecord } from "@patchbay/db";
import { type GithubStandIn, startGithubStandIn } from "@patchbay/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GithubRoundTrip } from "./round-trip.js";

/** The loopback GitHub stand-in: pulls and comments in memory, every request recorded. */
let gh: GithubStandIn;
beforeAll(async () => {
  gh = await startGithubStandIn();
});
afterAll(() => gh.close());
beforeEach(() => gh.reset());

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
const writes = () => gh.writes();

describe("GithubRoundTrip", () => {
  it("opens a pull request from the pushed branch with summary, checks table, tests fixed, usage and link; a retry edits it", async () => {
    const pr = job({ output: { branch: "patchbay/fix-cart", pullRequest: true } });
    const report = await roundTrip().report(pr, "ghs_token");
    expect(report.pullRequest).toEqual({ number: 40, url: "https://github.test/octo-org/shop/pull/40" });
    const created = gh.requests.find((r) => r.method === "POST");
    expect(created?.authorization).toBe("Bearer ghs_token");
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
    expect(gh.comments[0]?.body).toContain("https://github.test/octo-org/shop/pull/40");
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
