import { appendFileSync } from "node:fs";
import path from "node:path";
import { type GithubStandIn, startGithubStandIn } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, git } from "./env-helpers.js";
import { deliverGithubHook, githubFixture, putGithubSecrets } from "./github-helpers.js";
import { fixtureRepo, type Stack, startStack, waitTerminal } from "./stack.js";

// `/patchbay review` on a pull request: a review job of the pull ref against the default branch,
// whose findings come back as a PR review with line comments (the loopback GitHub stand-in).

const HOOK_SECRET = "review-hook-secret";
const report = (args: unknown) => ({ type: "function_call", name: "report_findings", arguments: JSON.stringify(args) });
const FINDING = {
  file: "src/cart.js",
  startLine: 22,
  endLine: 23,
  priority: "P1",
  title: "itemCount starts counting at 1",
  body: "The reduce starts at 1, so an empty cart has one item.",
  confidence: 0.9,
};
const repo = fixtureRepo();
let stack: Stack;
let gh: GithubStandIn;
let head = "";

beforeAll(async () => {
  // Pull request #12 adds a function with an off-by-one; GitHub serves it as refs/pull/12/head.
  git(repo.dir, "checkout", "-q", "-b", "feature");
  appendFileSync(
    path.join(repo.dir, "src/cart.js"),
    "\nexport function itemCount(items) {\n  return items.reduce((n, item) => n + item.quantity, 1);\n}\n",
  );
  git(repo.dir, "commit", "-qam", "itemCount");
  head = git(repo.dir, "rev-parse", "HEAD");
  git(repo.dir, "update-ref", "refs/pull/12/head", head);
  git(repo.dir, "checkout", "-q", "main");
  gh = await startGithubStandIn();
  stack = await startStack(
    {
      "review-pr": {
        turns: [
          {
            output: [
              report({ verdict: "needs_changes", explanation: "itemCount is off by one.", findings: [FINDING] }),
            ],
          },
          { output: [{ type: "message", content: "One P1." }] },
        ],
      },
    },
    { PATCHBAY_GITHUB_API_URL: gh.url },
  );
  await putGithubSecrets(stack, HOOK_SECRET, "ghs_review");
  expect(
    (await api(stack, "PUT", "/v1/hooks/github/settings", { template: { model: "script:review-pr" } })).status,
  ).toBe(200);
});

afterAll(async () => {
  await stack?.close();
  await gh?.close();
  repo.remove();
});

/** A maintainer's `/patchbay review …` comment on pull request #12, delivered as GitHub does. */
async function reviewComment(text: string) {
  const payload = githubFixture("issue-comment", repo.url);
  payload.comment!.body = text;
  payload.repository!.default_branch = "main";
  const answer = (await deliverGithubHook(stack, HOOK_SECRET, "issue_comment", payload)).body;
  expect(answer.status).toBe("created");
  return answer.jobId as string;
}

describe("/patchbay review on a pull request", () => {
  it("reviews the pull ref against the default branch and posts the findings as line comments", async () => {
    const id = await reviewComment("/patchbay review look at the new function");
    const job = (await waitTerminal(stack.api, id, 180_000)) as { status: string; spec?: unknown };
    expect(job.status).toBe("succeeded");
    expect(job.spec).toMatchObject({
      kind: "review",
      review: { base: "main", head: "refs/pull/12/head" },
      task: expect.stringMatching(/^look at the new function/),
    });

    await expect.poll(() => gh.reviews.length, { timeout: 30_000, interval: 200 }).toBe(1);
    const posted = gh.reviews[0]!;
    expect(posted).toMatchObject({ pull: 12, commit_id: head, event: "COMMENT" });
    expect(posted.body).toContain("**Patchbay review: needs changes** (1 finding)");
    expect(posted.body).toContain("itemCount is off by one.");
    expect(posted.comments).toEqual([
      {
        path: "src/cart.js",
        line: 23,
        start_line: 22,
        side: "RIGHT",
        start_side: "RIGHT",
        body: "**P1 itemCount starts counting at 1** (confidence 0.9)\n\nThe reduce starts at 1, so an empty cart has one item.",
      },
    ]);
    // The reply on the pull request still says the job finished, with its link.
    await expect.poll(() => gh.comments.filter((c) => c.body.includes("finished")).length, { timeout: 30_000 }).toBe(1);
  }, 240_000);

  it("puts the findings in the review's body when GitHub refuses the line comments", async () => {
    gh.refuseReviewComments = true;
    const id = await reviewComment("/patchbay review");
    expect((await waitTerminal(stack.api, id, 180_000)).status).toBe("succeeded");
    await expect.poll(() => gh.reviews.length, { timeout: 30_000, interval: 200 }).toBe(2);
    const posted = gh.reviews[1]!;
    expect(posted.comments).toEqual([]);
    expect(posted.body).toContain("- `src/cart.js:22` **P1 itemCount starts counting at 1**");
    expect(posted.body).toContain(`patchbay-review:${id}`);
  }, 240_000);
});
