import { execFile, execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type BestOfN, type CandidateResult, eventCandidate, type JobEvent } from "@patchbay/core";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersGone, type Stack, startStack, streamEvents, submit, waitTerminal } from "./stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "packages/testkit/fixtures/repos/hidden-tests");
const TEST_FILE = "tests/test_slugify.py";
const FAILING = `${TEST_FILE}::test_punctuation`;

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const edit = (diff: string) => ({
  type: "apply_patch_call",
  operation: { type: "update_file", path: "slugify.py", diff },
});
const SCRIPTS: Record<string, ModelScript> = {
  // Attempt 3 (and any attempt without a script of its own): a change that fixes nothing.
  bo3: {
    turns: [
      { output: [edit("@@\n import re\n+# words of text")] },
      { output: [say("Documented slugify.\nConfidence: 90")] },
    ],
  },
  // Attempt 1: upper-cases the slug, which breaks the tests that passed.
  "bo3.candidate-1": {
    turns: [
      {
        output: [
          edit('@@\n-    return "-".join(text.lower().split(" "))\n+    return "-".join(text.upper().split(" "))'),
        ],
      },
      { output: [say("Changed the case.\nConfidence: 95")] },
    ],
  },
  // Attempt 2: the real fix.
  "bo3.candidate-2": {
    turns: [
      {
        output: [
          edit(
            '@@\n-    return "-".join(text.lower().split(" "))\n+    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))',
          ),
        ],
      },
      { output: [say("slugify() drops punctuation now.\nConfidence: 60")] },
    ],
  },
};

let stack: Stack;
let repo: { dir: string; url: string };
beforeAll(async () => {
  stack = await startStack(SCRIPTS);
  repo = fixtureWithFailingTest();
});
afterAll(async () => {
  await stack?.close();
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

/** The slugify fixture with a failing punctuation test committed. */
function fixtureWithFailingTest(): { dir: string; url: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-best-of-n-"));
  cpSync(FIXTURE, dir, { recursive: true });
  appendFileSync(
    path.join(dir, TEST_FILE),
    '\n\ndef test_punctuation():\n    assert slugify("Hello,  World!") == "hello-world"\n',
  );
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd: dir });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "fixture");
  return { dir, url: `file://${dir}` };
}

type Candidate = CandidateResult & { patch: string; rank: number | null; selected: boolean };
interface Candidates {
  attempts: number;
  bestOfN: BestOfN | null;
  data: Candidate[];
}

const CLI = path.join(ROOT, "apps/cli/bin/patchbay.mjs");

/** Runs the repository CLI against the stack. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
    execFile("node", [CLI, ...args], { cwd: ROOT, env }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

const api = (p: string, init?: RequestInit) => fetch(`${stack.api}${p}`, init);
const json = async <T>(p: string, init?: RequestInit) => (await (await api(p, init)).json()) as T;

async function bestOfThree(): Promise<{ id: string; events: JobEvent[] }> {
  const spec = {
    repo: { url: repo.url },
    task: "slugify() should drop punctuation and collapse repeated spaces.",
    model: "script:bo3",
    attempts: 3,
    checks: { test: "python3 -m pytest -q tests" },
  };
  const { status, job } = await submit(stack.api, spec);
  expect(status).toBe(202);
  const done = await waitTerminal(stack.api, job.id, 150_000);
  expect(done.status).toBe("succeeded");
  await containersGone(job.id);
  return { id: job.id, events: await streamEvents(stack.api, job.id) };
}

describe("best-of-N", { timeout: 240_000 }, () => {
  let job: { id: string; events: JobEvent[] };
  beforeAll(async () => {
    stack.model.requests.length = 0;
    job = await bestOfThree();
  }, 200_000);

  it("best-of-3 where only the second attempt fixes the bug picks the second and keeps all three", async () => {
    const list = await json<Candidates>(`/v1/jobs/${job.id}/candidates`);
    expect(list.attempts).toBe(3);
    expect(list.data.map((c) => c.n)).toEqual([1, 2, 3]);
    expect(list.bestOfN).toMatchObject({ attempts: 3, winner: 2, selected: 2, selectedBy: "checks" });
    const [first, second, third] = list.data;
    expect(second).toMatchObject({ status: "finished", rank: 1, selected: true, confidence: 60 });
    expect(second?.checks).toMatchObject({ passed: true, fixed: [FAILING] });
    expect(second?.patch).toContain("re.findall");
    expect(first?.checks.passed).toBe(false);
    expect(first?.checks.newlyFailing?.length).toBeGreaterThan(0);
    expect(first?.patch).toContain("text.upper()");
    expect(third?.checks).toMatchObject({ passed: false, fixed: [] });
    expect(third?.patch).toContain("# words of text");
    // The job holds the winner's patch and summary; its cost is the sum of all three.
    const done = await json<{ result: Record<string, unknown> & { usage: { turns: number; inputTokens: number } } }>(
      `/v1/jobs/${job.id}`,
    );
    expect(await (await api(`/v1/jobs/${job.id}/patch`)).text()).toBe(second?.patch);
    expect(done.result.summary).toContain("drops punctuation");
    expect(done.result.checks).toMatchObject({ passed: true, fixed: [FAILING] });
    expect(done.result.usage.turns).toBe(list.data.reduce((sum, c) => sum + c.usage.turns, 0));
    expect(done.result.usage.inputTokens).toBe(list.data.reduce((sum, c) => sum + c.usage.inputTokens, 0));
  });

  it("runs each attempt as its own rollout: model requests and events carry the attempt number", () => {
    const headers = stack.model.requests
      .filter((r) => r.path.endsWith("/responses"))
      .map((r) => r.headers["x-patchbay-candidate"]);
    expect(new Set(headers)).toEqual(new Set(["1", "2", "3"]));
    const toolCalls = job.events.filter((e) => e.type === "tool_call");
    expect(new Set(toolCalls.map(eventCandidate))).toEqual(new Set([1, 2, 3]));
    const afterChecks = job.events.filter((e) => e.type === "check" && e.data.stage === "after");
    expect(new Set(afterChecks.map(eventCandidate))).toEqual(new Set([1, 2, 3]));
    expect(job.events.some((e) => e.type === "log" && e.data.text.includes("attempt 2 of 3 chosen"))).toBe(true);
  });

  it("a person can select another attempt: the job's patch, summary and checks become its own", async () => {
    const res = await api(`/v1/jobs/${job.id}/candidates/3/select`, { method: "POST" });
    expect(res.status).toBe(200);
    const selected = (await res.json()) as {
      result: { summary: string; bestOfN: BestOfN; checks: { passed: boolean } };
    };
    expect(selected.result.bestOfN).toMatchObject({ winner: 2, selected: 3, selectedBy: "person" });
    expect(selected.result.summary).toContain("Documented slugify");
    expect(selected.result.checks.passed).toBe(false);
    expect(await (await api(`/v1/jobs/${job.id}/patch`)).text()).toContain("# words of text");
    const list = await json<Candidates>(`/v1/jobs/${job.id}/candidates`);
    expect(list.data.find((c) => c.selected)?.n).toBe(3);
    // The trajectory is the selected attempt's.
    const trajectory = JSON.stringify(await json(`/v1/jobs/${job.id}/trajectory`));
    expect(trajectory).toContain("Documented slugify");
    expect(trajectory).not.toContain("drops punctuation");
  });

  it("the CLI lists the attempts best first and selects one", async () => {
    const listed = await cli(["candidates", job.id]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ {2}2: all checks pass, 1 fixed, 0 newly failing, \+1 −1, confidence 60 /);
    expect(lines.at(-1)).toContain("winner by the checks: 2");
    const chosen = await cli(["candidates", job.id, "select", "2"]);
    expect(chosen.code, chosen.stderr).toBe(0);
    expect(chosen.stdout).toContain("now holds attempt 2's patch");
    expect(await (await api(`/v1/jobs/${job.id}/patch`)).text()).toContain("re.findall");
  });

  it("refuses what cannot be selected, saying why", async () => {
    const missing = await api(`/v1/jobs/${job.id}/candidates/7/select`, { method: "POST" });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain("it ran 3");
    const bad = await api(`/v1/jobs/${job.id}/candidates/x/select`, { method: "POST" });
    expect(bad.status).toBe(400);
    const tooMany = await submit(stack.api, { repo: { url: repo.url }, task: "t", attempts: 9 });
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.job)).toContain("attempts may be at most 8");
  });
});
