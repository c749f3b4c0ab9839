import { execFileSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { type GithubStandIn, startGithubStandIn } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRepo, rawFetch, type Stack, startStack, waitTerminal } from "./stack.js";

// `/patchbay review` on a pull request: a review job of the pull ref against the default branch,
// whose findings come back as a PR review with line comments (the loopback GitHub stand-in).

const FIXTURES = path.join(import.meta.dirname, "fixtures/github");
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
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
      cwd: repo.dir,
      encoding: "utf8",
    }).trim();
  git("checkout", "-q", "-b", "feature");
  appendFileSync(
    path.join(repo.dir, "src/cart.js"),
    "\nexport function itemCount(items) {\n  return items.reduce((n, item) => n + item.quantity, 1);\n}\n",
  );
  git("commit", "-qam", "itemCount");
  head = git("rev-parse", "HEAD");
  git("update-ref", "refs/pull/12/head", head);
  git("checkout", "-q", "main");
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
  for (const [name, value] of [
    ["GITHUB_WEBHOOK_SECRET", HOOK_SECRET],
    ["GITHUB_TOKEN", "ghs_review"],
  ]) {
    expect((await api("PUT", `/v1/projects/${stack.projectId}/secrets/${name}`, { value })).status).toBe(200);
  }
  expect((await api("PUT", "/v1/hooks/github/settings", { template: { model: "script:review-pr" } })).status).toBe(200);
});

afterAll(async () => {
  await stack?.close();
  await gh?.close();
  repo.remove();
});

async function api(method: string, route: string, body?: unknown) {
  const res = await fetch(`${stack.api}${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A maintainer's `/patchbay review …` comment on pull request #12, delivered as GitHub does. */
async function reviewComment(text: string) {
  const payload = JSON.parse(
    readFileSync(path.join(FIXTURES, "issue-comment.json"), "utf8").replaceAll(
      "https://github.com/octo-org/shop.git",
      repo.url,
    ),
  ) as { comment: { body: string }; repository: { default_branch?: string } };
  payload.comment.body = text;
  payload.repository.default_branch = "main";
  const body = JSON.stringify(payload);
  const res = await rawFetch(`${stack.api}/v1/hooks/github?project=${stack.projectId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "issue_comment",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", HOOK_SECRET).update(body).digest("hex")}`,
    },
    body,
  });
  const answer = (await res.json()) as { status: string; jobId?: string };
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
