import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  containersFor,
  containersGone,
  exampleScript,
  fixtureRepo,
  type Stack,
  startStack,
  streamEvents,
  submit,
  waitTerminal,
} from "./stack.js";

const TASK = "The cart tests fail. Fix src/cart.js.";
let stack: Stack;
const repo = fixtureRepo();

beforeAll(async () => {
  stack = await startStack({
    "fix-cart-bug": await exampleScript("fix-cart-bug"),
    "slow-shell": {
      turns: [{ output: [{ type: "shell_call", action: { commands: ["sleep 60"] } }] }],
    },
  });
});

afterAll(async () => {
  await stack.close();
  repo.remove();
});

describe("a job end to end", () => {
  it("fixes the bug: succeeded, exact patch, checks fail before and pass after, seq 1..n, no container left", async () => {
    const { status, job } = await submit(stack.api, {
      repo: { url: repo.url },
      task: TASK,
      model: "script:fix-cart-bug",
    });
    expect(status).toBe(202);
    const done = await waitTerminal(stack.api, job.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    // Operators can tell which worker ran it.
    expect(done.workerId).toBe(stack.worker.workerId);
    expect(done.result?.checks.before.every((c) => c.passed)).toBe(false);
    expect(done.result?.checks.passed).toBe(true);
    expect(done.result?.patchStats).toEqual({ files: 1, insertions: 1, deletions: 1 });
    expect(done.result?.usage.turns).toBe(4);

    const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
    expect(patch).toContain("-  const shipping = sub > FREE_SHIPPING_FROM ? 0 : SHIPPING;");
    expect(patch).toContain("+  const shipping = discounted >= FREE_SHIPPING_FROM ? 0 : SHIPPING;");
    // The patch applies to the base commit and yields exactly the fixed file.
    const patchFile = path.join(tmpdir(), `${job.id}.diff`);
    writeFileSync(patchFile, patch);
    try {
      execFileSync("git", ["apply", "--check", patchFile], { cwd: repo.dir });
      execFileSync("git", ["apply", patchFile], { cwd: repo.dir });
    } finally {
      rmSync(patchFile, { force: true });
    }
    expect(readFileSync(path.join(repo.dir, "src/cart.js"), "utf8")).toContain("discounted >= FREE_SHIPPING_FROM");
    execFileSync("git", ["checkout", "--", "."], { cwd: repo.dir });

    const events = await streamEvents(stack.api, job.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = new Set(events.map((e) => e.type));
    for (const t of ["status", "log", "model", "tool_call", "tool_result", "check"]) expect(types).toContain(t);
    const tools = events.flatMap((e) => (e.type === "tool_call" ? [e.data.tool] : []));
    expect(tools).toEqual(["shell", "apply_patch", "shell"]);
    expect(events.at(-1)).toMatchObject({ type: "status", data: { status: "succeeded" } });
    await containersGone(job.id);

    // The model was called from the worker with the key; the tool outputs went back to it.
    const bodies = stack.model.requests.map((r) => JSON.stringify(r.body));
    expect(stack.model.requests.some((r) => String(r.headers.authorization).includes("sk-test-key"))).toBe(true);
    expect(bodies.at(-1)).toContain("tests 4");
  });

  it("ends a job whose repository cannot be cloned as failed/repo_clone_failed within seconds", async () => {
    const started = Date.now();
    const { job } = await submit(stack.api, {
      repo: { url: "file:///nonexistent/repo.git" },
      task: TASK,
      model: "script:fix-cart-bug",
    });
    const done = await waitTerminal(stack.api, job.id, 20_000);
    expect(done.status).toBe("failed");
    expect(done.error?.code).toBe("repo_clone_failed");
    expect(done.error?.message).toContain("/nonexistent/repo.git");
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("cancels a running job: cancelled, and its container is removed", async () => {
    const { job } = await submit(stack.api, { repo: { url: repo.url }, task: TASK, model: "script:slow-shell" });
    for (let i = 0; i < 300; i++) {
      const current = (await (await fetch(`${stack.api}/v1/jobs/${job.id}`)).json()) as { phase: string | null };
      if (current.phase === "agent" && containersFor(job.id).length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    const res = await fetch(`${stack.api}/v1/jobs/${job.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(202);
    const done = await waitTerminal(stack.api, job.id, 10_000);
    expect(done.status).toBe("cancelled");
    expect(containersFor(job.id)).toEqual([]);
  });
});

describe("a model endpoint that refuses connections", () => {
  let refused: Stack;
  beforeAll(async () => {
    refused = await startStack({}, { OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
  });
  afterAll(() => refused.close());

  it("ends the job as error/model_unreachable", async () => {
    const { job } = await submit(refused.api, { repo: { url: repo.url }, task: TASK, model: "gpt-5.3-codex" });
    const done = await waitTerminal(refused.api, job.id, 60_000);
    expect(done.status).toBe("error");
    expect(done.error).toMatchObject({ code: "model_unreachable", retryable: true });
    expect(containersFor(job.id)).toEqual([]);
  });
});
