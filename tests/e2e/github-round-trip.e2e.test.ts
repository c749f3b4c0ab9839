import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { type GithubStandIn, startGithubStandIn } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "./env-helpers.js";
import { deliverGithubHook, githubFixture, putGithubSecrets } from "./github-helpers.js";
import { exampleScript, fixtureRepo, type Stack, startStack, waitTerminal } from "./stack.js";

const HOOK_SECRET = "round-trip-hook-secret";
const repo = fixtureRepo();
let stack: Stack;
let gh: GithubStandIn;

beforeAll(async () => {
  // A pull request's job starts from its pull ref, as GitHub serves it.
  execFileSync("git", ["update-ref", "refs/pull/12/head", "HEAD"], { cwd: repo.dir });
  gh = await startGithubStandIn();
  stack = await startStack(
    { "fix-cart-bug": await exampleScript("fix-cart-bug") },
    { PATCHBAY_GITHUB_API_URL: gh.url },
  );
  await putGithubSecrets(stack, HOOK_SECRET, "ghs_round_trip");
});

afterAll(async () => {
  await stack?.close();
  await gh?.close();
  repo.remove();
});

const fixture = (name: string) => githubFixture(name, repo.url);
const deliver = (event: string, payload: unknown, delivery: string) =>
  deliverGithubHook(stack, HOOK_SECRET, event, payload, delivery);

const settings = (template: Record<string, unknown>) =>
  api(stack, "PUT", "/v1/hooks/github/settings", { triggerLabel: "patchbay", template });

describe("the GitHub round trip", () => {
  it("a /patchbay comment on a PR gets a reply when its job starts and one with the opened PR when it finishes; a redelivered webhook duplicates nothing", async () => {
    const template = { model: "script:fix-cart-bug", output: { branch: "patchbay/fix-cart", pullRequest: true } };
    expect((await settings(template)).status).toBe(200);
    const delivery = randomUUID();
    const payload = fixture("issue-comment");
    const created = await deliver("issue_comment", payload, delivery);
    expect(created.body.status).toBe("created");
    const id = created.body.jobId as string;

    await expect.poll(() => gh.comments.length, { timeout: 60_000, interval: 200 }).toBe(1);
    expect(gh.comments[0]?.issue).toBe(12);
    expect(gh.comments[0]?.body).toContain(`/v1/jobs/${id}) started`);
    expect((await waitTerminal(stack.api, id, 180_000)).status).toBe("succeeded");
    await expect.poll(() => gh.comments.length, { timeout: 30_000, interval: 200 }).toBe(2);

    expect(gh.pulls).toHaveLength(1);
    const pull = gh.pulls[0]!;
    expect(pull).toMatchObject({ head: "patchbay/fix-cart", base: "main" });
    expect(pull.body).toContain("### Summary");
    expect(pull.body).toContain("| check | command | before | after |");
    expect(pull.body).toMatch(/\| test \| `[^`]+` \| failed.* \| passed/);
    expect(pull.body).toContain("### Usage");
    expect(pull.body).toContain(`/v1/jobs/${id}`);
    // The branch the PR is opened from was pushed to the repository.
    expect(
      execFileSync("git", ["rev-parse", "--verify", "refs/heads/patchbay/fix-cart"], { cwd: repo.dir }),
    ).toBeTruthy();
    expect(gh.comments[1]?.body).toContain("finished: **succeeded**");
    expect(gh.comments[1]?.body).toContain(pull.html_url);
    expect(gh.requests.every((r) => r.authorization === "Bearer ghs_round_trip")).toBe(true);

    const writes = gh.writes().length;
    const again = await deliver("issue_comment", payload, delivery);
    expect(again.body.status).toBe("duplicate");
    await new Promise((r) => setTimeout(r, 1500));
    expect(gh.writes()).toHaveLength(writes);
    expect(gh.comments).toHaveLength(2);
    expect(gh.pulls).toHaveLength(1);
  });

  it("a failed workflow run's job puts a check run on the run's commit and completes it with the job's conclusion", async () => {
    expect((await settings({ model: "script:fix-cart-bug" })).status).toBe(200);
    const payload = fixture("workflow-run-failed");
    payload.workflow_run!.head_sha = repo.head;
    delete payload.workflow_run!.jobs_url;
    const created = await deliver("workflow_run", payload, randomUUID());
    expect(created.body.status).toBe("created");
    const id = created.body.jobId as string;
    await expect.poll(() => gh.checkRuns.length, { timeout: 60_000, interval: 200 }).toBe(1);
    const run = gh.checkRuns[0]!;
    expect(run).toMatchObject({ head_sha: repo.head, external_id: id });
    expect(gh.requests.find((r) => r.path.endsWith("/check-runs") && r.method === "POST")?.body.status).toBe(
      "in_progress",
    );
    expect((await waitTerminal(stack.api, id, 180_000)).status).toBe("succeeded");
    await expect.poll(() => run.fields.status, { timeout: 30_000, interval: 200 }).toBe("completed");
    expect(run.fields.conclusion).toBe("success");
    expect(run.fields.details_url).toContain(`/v1/jobs/${id}`);
    expect(gh.checkRuns).toHaveLength(1);
  });
});
