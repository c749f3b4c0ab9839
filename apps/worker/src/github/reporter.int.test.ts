import { randomBytes, randomUUID } from "node:crypto";
import { loadConfig } from "@patchbay/config";
import { JobSpecSchema } from "@patchbay/core";
import {
  createDb,
  GithubReportRepository,
  JobRepository,
  ProjectRepository,
  SecretRepository,
  secretBoxFrom,
} from "@patchbay/db";
import { type GithubStandIn, startGithubStandIn } from "@patchbay/testkit";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { githubReporter } from "./report-finished.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 2 });
const jobs = new JobRepository(db);
const projectId = `gh-report-${randomUUID().slice(0, 8)}`;
const secrets = new SecretRepository(db, secretBoxFrom({ PATCHBAY_SECRETS_KEY: randomBytes(32).toString("base64") }));
const SHA = "acb5820ced9479c074f688cc328bf03f341a511d";
let gh: GithubStandIn;

/** A reporter as a worker makes it; a second one stands for another worker (or a restart). */
const reporter = () =>
  githubReporter({
    jobs,
    secrets,
    store: new GithubReportRepository(db),
    ledger: new GithubReportRepository(db),
    apiUrl: gh.url,
    publicUrl: "https://patchbay.test",
    logger: pino({ level: "silent" }),
    backoffMs: 10,
  });

beforeAll(async () => {
  gh = await startGithubStandIn();
  await new ProjectRepository(db).ensure(projectId);
  await secrets.put(projectId, "GITHUB_TOKEN", "ghs_report_token");
});
beforeEach(() => gh.reset());
afterAll(async () => {
  await db.job.deleteMany({ where: { projectId } });
  await db.project.deleteMany({ where: { id: projectId } });
  await db.$disconnect();
  await gh.close();
});

const check = (passed: boolean) => ({
  kind: "test",
  command: "npm test",
  passed,
  status: passed ? "passed" : "failed",
  exitCode: passed ? 0 : 1,
  durationMs: 100,
  outputTail: "",
});

async function runningJob(spec: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  const parsed = JobSpecSchema.parse({
    repo: { url: "https://github.com/octo-org/shop.git" },
    task: "Fix the cart",
    ...spec,
  });
  await jobs.create({ id, spec: parsed, projectId });
  await jobs.transition(id, "running", { phase: "provision" }, "started", 1);
  return id;
}

async function finish(id: string, status: "succeeded" | "failed", push = false): Promise<void> {
  const result = {
    summary: "Free shipping uses the discounted subtotal.",
    patchStats: { files: 1, insertions: 1, deletions: 1 },
    checks: {
      before: [check(false)],
      after: [check(status === "succeeded")],
      passed: status === "succeeded",
      regressions: [],
      fixed: ["cart total"],
    },
    usage: { inputTokens: 100, outputTokens: 20, turns: 2, estimatedCostUsd: null },
    model: "script:x",
    baseCommit: SHA,
    ...(push ? { push: { remote: "origin", branch: "patchbay/fix-cart", commit: "def", forced: false } } : {}),
  };
  const error =
    status === "failed"
      ? { code: "agent_loop" as const, message: "the agent repeated itself", retryable: false }
      : undefined;
  expect(await jobs.transition(id, status, { phase: null, result: result as never, ...(error ? { error } : {}) })).toBe(
    true,
  );
}

const fromComment = {
  metadata: {
    github: {
      event: "issue_comment",
      repository: "octo-org/shop",
      url: "https://github.com/octo-org/shop/pull/12#issuecomment-1",
    },
  },
  output: { branch: "patchbay/fix-cart", pullRequest: true },
};
const fromRun = {
  repo: { url: "https://github.com/octo-org/shop.git", commit: SHA },
  metadata: {
    github: {
      event: "workflow_run",
      repository: "octo-org/shop",
      url: "https://github.com/octo-org/shop/actions/runs/1",
    },
  },
};

describe("reporting jobs to GitHub", () => {
  it("replies when a comment's job starts and finishes, opens its PR, and edits all of it when reported again", async () => {
    const id = await runningJob(fromComment);
    await reporter().started(id);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]).toMatchObject({ issue: 12 });
    expect(gh.comments[0]?.body).toContain(`https://patchbay.test/v1/jobs/${id}) started`);
    await finish(id, "succeeded", true);
    await reporter().finished(id);
    expect(gh.pulls).toHaveLength(1);
    expect(gh.pulls[0]).toMatchObject({ head: "patchbay/fix-cart", base: "main" });
    expect(gh.comments).toHaveLength(2);
    expect(gh.comments[1]?.body).toContain("finished: **succeeded**");
    expect(gh.comments[1]?.body).toContain(gh.pulls[0]?.html_url);

    // A second worker (or a retried report) edits by the stored ids: no lookups, no new posts.
    gh.requests.length = 0;
    const again = reporter();
    await again.started(id);
    await again.finished(id);
    expect(gh.writes()).toEqual([
      "PATCH /repos/octo-org/shop/issues/comments/900",
      "PATCH /repos/octo-org/shop/pulls/40",
      "PATCH /repos/octo-org/shop/issues/comments/901",
    ]);
    expect(gh.requests.filter((r) => r.method === "GET")).toEqual([]);
    expect(gh.requests.every((r) => r.authorization === "Bearer ghs_report_token")).toBe(true);
    expect(await new GithubReportRepository(db).find(id)).toEqual({
      startCommentId: 900,
      finishCommentId: 901,
      pullNumber: 40,
    });
  });

  it("puts an in-progress check run on a failed run's commit and completes it with the job's conclusion, once", async () => {
    const id = await runningJob(fromRun);
    const r = reporter();
    const started = r.started(id);
    await finish(id, "failed");
    // Reported back to back: the finished report waits for the started one, so one check run.
    await Promise.all([started, r.finished(id)]);
    expect(gh.checkRuns).toHaveLength(1);
    const created = gh.requests.find((q) => q.method === "POST");
    expect(created?.body).toMatchObject({ name: "Patchbay", head_sha: SHA, status: "in_progress", external_id: id });
    expect(gh.checkRuns[0]?.fields).toMatchObject({ status: "completed", conclusion: "failure" });
    expect(gh.checkRuns[0]?.fields.output).toMatchObject({ title: expect.stringContaining("agent_loop") });
    await reporter().finished(id);
    expect(gh.checkRuns).toHaveLength(1);
    expect(gh.writes().filter((w) => w.startsWith("POST"))).toEqual(["POST /repos/octo-org/shop/check-runs"]);
  });

  it("sets a commit status instead when the token may not create check runs", async () => {
    gh.refuseCheckRuns = true;
    const id = await runningJob(fromRun);
    await reporter().started(id);
    await finish(id, "succeeded");
    await reporter().finished(id);
    expect(gh.checkRuns).toEqual([]);
    expect(gh.statuses.map((s) => [s.sha, s.context, s.state])).toEqual([
      [SHA, "Patchbay", "pending"],
      [SHA, "Patchbay", "success"],
    ]);
    expect(gh.statuses[1]?.target_url).toBe(`https://patchbay.test/v1/jobs/${id}`);
  });

  it("a finished job nobody reported (cancelled by the API while queued) is reported by one sweep, once", async () => {
    const id = randomUUID();
    const spec = JobSpecSchema.parse({
      repo: { url: "https://github.com/octo-org/shop.git" },
      task: "t",
      ...fromComment,
    });
    await jobs.create({ id, spec, projectId });
    await jobs.transition(id, "cancelled", { phase: null });
    const sweep = (r: ReturnType<typeof reporter>) => r.sweep({ projectId });
    // Just finished: its own worker may still be reporting it.
    expect(await sweep(reporter())).toBe(0);
    await db.job.update({ where: { id }, data: { finishedAt: new Date(Date.now() - 60_000) } });
    // Another queue's workers leave it to its own (they may run with other settings: API URL, keys).
    expect(await reporter().sweep({ projectId, queue: `other-${randomUUID()}` })).toBe(0);
    const taken = await Promise.all([sweep(reporter()), sweep(reporter())]);
    expect(taken.sort()).toEqual([0, 1]);
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]?.body).toContain("finished: **cancelled**");
    expect(await sweep(reporter())).toBe(0);

    // A job its worker reported is never swept.
    const reported = await runningJob(fromRun);
    await finish(reported, "succeeded");
    await reporter().finished(reported);
    await db.job.update({ where: { id: reported }, data: { finishedAt: new Date(Date.now() - 60_000) } });
    expect(await sweep(reporter())).toBe(0);
  });
});
