import { execFile, execFileSync } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { verifyNotification } from "@patchbay/core";
import { NotificationRepository } from "@patchbay/db";
import { createRedis, NotifyQueue, ScheduleQueue } from "@patchbay/queue";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exampleScript, fixtureRepo, type JobJson, rawFetch, type Stack, startStack, waitTerminal } from "./stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "apps/cli/bin/patchbay.mjs");
const FIXTURES = path.join(import.meta.dirname, "fixtures/github");
const TASK = "The cart tests fail. Fix src/cart.js.";

let stack: Stack;
const repo = fixtureRepo();
const dirs: string[] = [];
/** A stand-in for GitHub's REST API on loopback: the jobs of workflow run 30433642. */
const github = { server: createServer(), url: "", authorizations: [] as (string | undefined)[] };

beforeAll(async () => {
  github.server.on("request", (req, res) => {
    github.authorizations.push(req.headers.authorization);
    res.setHeader("content-type", "application/json");
    res.end(readFileSync(path.join(FIXTURES, "workflow-run-jobs.json")));
  });
  github.server.listen(0, "127.0.0.1");
  await new Promise((r) => github.server.once("listening", r));
  github.url = `http://127.0.0.1:${(github.server.address() as AddressInfo).port}`;
  stack = await startStack(
    {
      "fix-cart-bug": await exampleScript("fix-cart-bug"),
      "give-up": { turns: [{ output: [{ type: "message", content: "I could not find the bug." }] }] },
      "slow-shell": { turns: [{ output: [{ type: "shell_call", action: { commands: ["sleep 60"] } }] }] },
    },
    { PATCHBAY_GITHUB_API_URL: github.url },
  );
});

afterAll(async () => {
  const redis = createRedis(stack.config.REDIS_URL);
  await new NotifyQueue(stack.config.PATCHBAY_QUEUE, redis).queue.obliterate({ force: true });
  await new ScheduleQueue(stack.config.PATCHBAY_QUEUE, redis).queue.obliterate({ force: true });
  redis.disconnect();
  await stack.close();
  github.server.close();
  repo.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the CLI as a CI step does: configured by PATCHBAY_URL and PATCHBAY_API_KEY only. */
function cli(args: string[], cwd = repo.dir): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
    execFile("node", [CLI, ...args], { cwd, env, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const api = async (method: string, route: string, body?: unknown) => {
  const res = await fetch(`${stack.api}${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
};

const setSecret = (name: string, value: string) =>
  api("PUT", `/v1/projects/${stack.projectId}/secrets/${name}`, { value });

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd, encoding: "utf8" }).trim();

describe("the CLI as a CI step runs it", () => {
  it("exit 0 when the job succeeds with passing checks; --json gives the job on stdout", async () => {
    const run = await cli(["submit", "--task", TASK, "--model", "script:fix-cart-bug", "--wait", "--json"]);
    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout) as JobJson;
    expect(job.status).toBe("succeeded");
    expect(job.result?.checks.passed).toBe(true);
    // Not a TTY: plain progress lines on stderr.
    expect(run.stderr).toContain("● succeeded");
  });

  it("exit 1 when the job ends with failing checks", async () => {
    const run = await cli(["submit", "--task", TASK, "--model", "script:give-up", "--wait"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/checks after: .* fail/);
  });

  it("exit 2 when the job is cancelled while `wait` follows it", async () => {
    const submitted = await cli(["submit", "--task", TASK, "--model", "script:slow-shell", "--json"]);
    expect(submitted.code).toBe(0);
    const { id } = JSON.parse(submitted.stdout) as JobJson;
    const waiting = cli(["wait", id]);
    await expect.poll(async () => (await api("GET", `/v1/jobs/${id}`)).body.phase, { timeout: 60_000 }).toBe("agent");
    expect((await cli(["cancel", id])).code).toBe(0);
    const run = await waiting;
    expect(run.code).toBe(2);
    expect(run.stdout).toContain("cancelled");
  });

  it("exit 3 on a configuration problem, and list/logs/patch answer --json", async () => {
    const bad = await cli(["wait", randomUUID(), "--url", "http://127.0.0.1:9"]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("cannot reach");
    const list = await cli(["list", "--json", "--limit", "3"]);
    expect(list.code).toBe(0);
    const page = JSON.parse(list.stdout) as { data: JobJson[] };
    expect(page.data.length).toBeGreaterThan(0);
    const done = page.data.find((j) => j.status === "succeeded" && j.result?.checks.passed);
    expect(done).toBeDefined();
    const patch = JSON.parse((await cli(["patch", done!.id, "--json"])).stdout) as { patch: string };
    expect(patch.patch).toContain("src/cart.js");
    const logs = await cli(["logs", done!.id]);
    expect(logs.stdout + logs.stderr).toMatch(/cloned /);
  });
});

describe("uploaded sources", () => {
  it("a bundle of an unpushed commit becomes a job whose patch applies on that commit", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "patchbay-ci-"));
    dirs.push(dir);
    const local = path.join(dir, "work");
    git(dir, "clone", "-q", repo.url, local);
    writeFileSync(path.join(local, "NOTES.md"), "work in progress, not pushed\n");
    git(local, "add", "NOTES.md");
    git(local, "commit", "-qm", "local only");
    const head = git(local, "rev-parse", "HEAD");
    const run = await cli(
      ["submit", "--upload", "--task", TASK, "--model", "script:fix-cart-bug", "--wait", "--json"],
      local,
    );
    expect(run.stderr).toContain("uploaded");
    expect(run.code).toBe(0);
    const job = JSON.parse(run.stdout) as JobJson & { result: { baseCommit: string } };
    expect(job.result.baseCommit).toBe(head);
    // The origin never had that commit: the job could only have come from the bundle.
    expect(() => git(repo.dir, "cat-file", "-e", head)).toThrow();
    const diff = (await cli(["patch", job.id], local)).stdout;
    writeFileSync(path.join(dir, "fix.diff"), diff);
    git(local, "apply", "--check", path.join(dir, "fix.diff"));
  });

  it("refuses what is not a complete bundle", async () => {
    const res = await fetch(`${stack.api}/v1/sources`, { method: "POST", body: "not a bundle" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("bundle");
  });
});

describe("GitHub webhooks", () => {
  const SECRET = "github-hook-secret";
  const fixture = (name: string) =>
    JSON.parse(
      readFileSync(path.join(FIXTURES, `${name}.json`), "utf8").replaceAll(
        "https://github.com/octo-org/shop.git",
        repo.url,
      ),
    ) as Record<string, unknown>;

  const deliver = async (event: string, payload: unknown, options: { delivery?: string; secret?: string } = {}) => {
    const body = JSON.stringify(payload);
    const signature = `sha256=${createHmac("sha256", options.secret ?? SECRET)
      .update(body)
      .digest("hex")}`;
    const res = await rawFetch(`${stack.api}/v1/hooks/github?project=${stack.projectId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": event,
        "x-github-delivery": options.delivery ?? randomUUID(),
        "x-hub-signature-256": signature,
      },
      body,
    });
    return { status: res.status, body: (await res.json()) as { status?: string; jobId?: string; reason?: string } };
  };
  const jobCount = () => stack.db.job.count({ where: { projectId: stack.projectId } });
  const specOf = async (id: string) =>
    (await stack.db.job.findUniqueOrThrow({ where: { id } })).spec as {
      task: string;
      repo: { commit?: string; ref?: string };
      model: string;
    };

  beforeAll(async () => {
    expect((await setSecret("GITHUB_WEBHOOK_SECRET", SECRET)).status).toBe(200);
    // Jobs from hooks get this model; cancelled at once below, they need not run.
    const settings = await api("PUT", "/v1/hooks/github/settings", {
      triggerLabel: "patchbay",
      template: { model: "script:give-up" },
    });
    expect(settings.status).toBe(200);
  });

  it("turns a labelled issue, a maintainer's /patchbay comment and a failed workflow run into jobs", async () => {
    const made: string[] = [];
    const issue = await deliver("issues", fixture("issues-labeled"));
    expect(issue.status).toBe(202);
    expect(issue.body.status).toBe("created");
    made.push(issue.body.jobId!);
    expect((await specOf(issue.body.jobId!)).task).toContain("Cart total ignores quantities");
    expect((await specOf(issue.body.jobId!)).model).toBe("script:give-up");

    const comment = await deliver("issue_comment", fixture("issue-comment"));
    expect(comment.body.status).toBe("created");
    made.push(comment.body.jobId!);
    const commentSpec = await specOf(comment.body.jobId!);
    expect(commentSpec.task).toMatch(/^make the cart tests pass/);
    expect(commentSpec.repo.ref).toBe("refs/pull/12/head");

    const run = await deliver("workflow_run", fixture("workflow-run-failed"));
    expect(run.body.status).toBe("created");
    made.push(run.body.jobId!);
    const runSpec = await specOf(run.body.jobId!);
    expect(runSpec.repo.commit).toBe("acb5820ced9479c074f688cc328bf03f341a511d");
    expect(runSpec.task).toContain('"CI" failed');
    for (const id of made) await api("POST", `/v1/jobs/${id}/cancel`);
  });

  it("makes no job for a bad signature, a replayed delivery, a reader's comment or another event", async () => {
    const before = await jobCount();
    expect((await deliver("issues", fixture("issues-labeled"), { secret: "wrong" })).status).toBe(401);

    const delivery = randomUUID();
    // Another event than the first test's (GitHub's bodies differ): an identical body would be a replay.
    const labelled = fixture("issues-labeled");
    (labelled.issue as Record<string, unknown>).updated_at = new Date().toISOString();
    const first = await deliver("issues", labelled, { delivery });
    expect(first.body.status).toBe("created");
    await api("POST", `/v1/jobs/${first.body.jobId}/cancel`);
    const replay = await deliver("issues", labelled, { delivery });
    expect(replay.status).toBe(200);
    expect(replay.body.status).toBe("duplicate");

    const reader = fixture("issue-comment");
    (reader.comment as Record<string, unknown>).author_association = "NONE";
    const ignored = await deliver("issue_comment", reader);
    expect(ignored.status).toBe(202);
    expect(ignored.body.status).toBe("ignored");
    expect(ignored.body.reason).toContain("no write access");

    const passed = fixture("workflow-run-failed");
    (passed.workflow_run as Record<string, unknown>).conclusion = "success";
    expect((await deliver("workflow_run", passed)).body.reason).toContain("success");
    expect((await deliver("push", { ref: "refs/heads/main" })).body.reason).toContain("push");
    expect(await jobCount()).toBe(before + 1);
  });

  it("names a failed run's failed jobs and steps, read from GitHub's API with the project's token", async () => {
    expect((await setSecret("GITHUB_TOKEN", "ghs_e2e_token")).status).toBe(200);
    const payload = fixture("workflow-run-failed");
    const run = payload.workflow_run as Record<string, unknown>;
    run.jobs_url = `${github.url}/repos/octo-org/shop/actions/runs/30433642/jobs`;
    const created = await deliver("workflow_run", payload);
    expect(created.body.status).toBe("created");
    await api("POST", `/v1/jobs/${created.body.jobId}/cancel`);
    const { task } = await specOf(created.body.jobId!);
    expect(task).toContain('Failed jobs: "test (20.x)" (failed steps: "Run npm test").');
    expect(task).not.toContain('"lint"');
    // The run's jobs were read with the token; the cancelled job's check run (issue 14) may follow
    // with it too: every call to the GitHub API carries the project's token and nothing else.
    expect(github.authorizations.length).toBeGreaterThan(0);
    expect(new Set(github.authorizations)).toEqual(new Set(["Bearer ghs_e2e_token"]));
  });
});

describe("notifications", () => {
  let server: Server;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let failuresLeft = 0;
  let url = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.statusCode = failuresLeft-- > 0 ? 500 : 204;
        res.end();
      });
    });
    server.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    expect((await setSecret("NOTIFY_SECRET", "notify-secret")).status).toBe(200);
  });
  afterAll(() => server.close());

  it("POSTs each finished job once, signed, and retries an endpoint that failed twice", async () => {
    failuresLeft = 2;
    const run = await cli(["submit", "--task", TASK, "--model", "script:give-up", "--notify", url, "--wait", "--json"]);
    const { id } = JSON.parse(run.stdout) as JobJson;
    await expect.poll(() => received.length, { timeout: 30_000, interval: 200 }).toBe(3);
    // One delivery id across the retries, each attempt signed with a fresh timestamp.
    expect(new Set(received.map((r) => r.headers["x-patchbay-delivery"])).size).toBe(1);
    for (const r of received) {
      expect(verifyNotification("notify-secret", r.headers["x-patchbay-signature"] as string, r.body).ok).toBe(true);
      const body = JSON.parse(r.body) as { job: { id: string; status: string } };
      expect(body.job).toMatchObject({ id, status: "succeeded" });
    }
    // The third POST is in before the worker has its answer and records it: wait for the record.
    const notifications = new NotificationRepository(stack.db);
    await expect.poll(async () => (await notifications.find(id))?.state, { timeout: 10_000 }).toBe("delivered");
    const record = await notifications.find(id);
    expect(record?.log.map((a) => a.statusCode)).toEqual([500, 500, 204]);
    // Nothing more arrives for that job.
    await new Promise((r) => setTimeout(r, 2000));
    expect(received).toHaveLength(3);

    // A job cancelled at once (usually still queued: the API finishes it and no worker runs it)
    // is notified too. A quick script, so a cancel that races the start cannot hold the test up.
    received.length = 0;
    const queued = await api("POST", "/v1/jobs", {
      repo: { url: repo.url },
      task: TASK,
      model: "script:give-up",
      notify: { url },
    });
    await api("POST", `/v1/jobs/${queued.body.id}/cancel`);
    const final = await waitTerminal(stack.api, queued.body.id as string);
    await expect.poll(() => received.length, { timeout: 30_000, interval: 200 }).toBe(1);
    expect(JSON.parse(received[0]!.body).job).toMatchObject({ id: final.id, status: final.status });
  });
});

describe("schedules", () => {
  it("an every-interval schedule makes jobs until it is paused, and can be deleted", async () => {
    const spec = { repo: { url: repo.url }, task: "nightly chore", model: "script:give-up" };
    const created = await api("POST", "/v1/schedules", { name: "chore", everyMs: 1500, spec });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const made = () =>
      stack.db.job.findMany({
        where: { projectId: stack.projectId, spec: { path: ["task"], equals: "nightly chore" } },
        select: { id: true },
      });
    await expect.poll(async () => (await made()).length, { timeout: 30_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    const paused = await api("POST", `/v1/schedules/${id}/pause`);
    expect(paused.body.paused).toBe(true);
    const count = (await made()).length;
    await new Promise((r) => setTimeout(r, 4000));
    expect((await made()).length).toBe(count);
    const listed = await api("GET", "/v1/schedules");
    expect((listed.body.data as Array<{ id: string; runs: number }>).find((s) => s.id === id)?.runs).toBe(count);
    expect((await api("DELETE", `/v1/schedules/${id}`)).status).toBe(204);
    for (const j of await made()) await api("POST", `/v1/jobs/${j.id}/cancel`);
    expect((await api("POST", "/v1/schedules", { cron: "not a cron", spec })).status).toBe(400);
  });
});
