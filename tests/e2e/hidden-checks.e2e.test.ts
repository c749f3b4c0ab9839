import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HIDDEN_PATCH_MAX_CHARS, type HiddenResult, type JobEvent } from "@patchbay/core";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersGone, type Stack, startStack, streamEvents, submit, waitTerminal } from "./stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "packages/testkit/fixtures/repos/hidden-tests");
const SENTINEL = "hidden-sentinel-4f1c9e";
const TEST_FILE = "tests/test_slugify.py";
const FIXED = `${TEST_FILE}::test_punctuation`;
const KEPT = [`${TEST_FILE}::test_lowercases`, `${TEST_FILE}::test_spaces`];
const HIDDEN_TEST = `

def test_punctuation():
    # ${SENTINEL}
    assert slugify("Hello,  World!") == "hello-world"
`;

const GOLD_DIFF =
  '@@\n-    return "-".join(text.lower().split(" "))\n+    return "-".join(re.findall(r"[a-z0-9]+", text.lower()))\n';
const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const SCRIPTS: Record<string, ModelScript> = {
  // Looks at the tests (the hidden one must not be there), then applies the gold patch.
  gold: {
    turns: [
      {
        output: [{ type: "shell_call", action: { commands: [`cat ${TEST_FILE}`, "grep -rn punctuation . || true"] } }],
      },
      {
        output: [
          {
            type: "apply_patch_call",
            operation: {
              type: "update_file",
              path: "slugify.py",
              diff: GOLD_DIFF,
            },
          },
        ],
      },
      { output: [say("slugify() now drops punctuation and collapses spaces.")] },
    ],
  },
  empty: { turns: [{ output: [say("Nothing to change.")] }] },
  // The fix, plus a test of its own at the end of the file the hidden patch also changes there.
  "gold-with-test": {
    turns: [
      {
        output: [
          { type: "apply_patch_call", operation: { type: "update_file", path: "slugify.py", diff: GOLD_DIFF } },
          {
            type: "shell_call",
            action: {
              commands: [`printf '\\n\\ndef test_mine():\\n    assert slugify("a b") == "a-b"\\n' >> ${TEST_FILE}`],
            },
          },
        ],
      },
      { output: [say("Fixed, with a test.")] },
    ],
  },
};

let stack: Stack;
let repo: { dir: string; url: string; hiddenPatch: string };
beforeAll(async () => {
  stack = await startStack(SCRIPTS);
  repo = fixtureWithHiddenPatch();
});
afterAll(async () => {
  await stack?.close();
  if (repo) rmSync(repo.dir, { recursive: true, force: true });
});

/** The fixture committed, and the hidden test written as a real `git diff` against it. */
function fixtureWithHiddenPatch(): { dir: string; url: string; hiddenPatch: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-hidden-e2e-"));
  cpSync(FIXTURE, dir, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd: dir, encoding: "utf8" });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", "fixture");
  writeFileSync(
    path.join(dir, TEST_FILE),
    execFileSync("cat", [path.join(dir, TEST_FILE)], { encoding: "utf8" }) + HIDDEN_TEST,
  );
  const hiddenPatch = git("diff");
  git("checkout", "-q", "--", ".");
  return { dir, url: `file://${dir}`, hiddenPatch };
}

interface Finished {
  status: string;
  patch: string;
  hidden: HiddenResult | undefined;
  events: JobEvent[];
  json: string;
}

async function runJob(model: string, hidden: Record<string, unknown>): Promise<Finished> {
  const spec = {
    repo: { url: repo.url },
    task: "slugify() should drop punctuation and collapse repeated spaces.",
    model,
    checks: { test: "python3 -m pytest -q tests", hidden },
  };
  const { status, job } = await submit(stack.api, spec);
  expect(status).toBe(202);
  const done = await waitTerminal(stack.api, job.id, 120_000);
  await containersGone(job.id);
  const result = done.result as unknown as { hidden?: HiddenResult } | null;
  const json = await (await fetch(`${stack.api}/v1/jobs/${job.id}`)).text();
  const patch = await (await fetch(`${stack.api}/v1/jobs/${job.id}/patch`)).text();
  const events = await streamEvents(stack.api, job.id);
  return { status: done.status, patch, hidden: result?.hidden, events, json };
}

/** Which of the hidden patch's added lines (or the sentinel, or with `names` the hidden test's name) shows in `text`. */
function leaks(text: string, names = true): string | undefined {
  const added = repo.hiddenPatch
    .split("\n")
    .filter((l) => l.startsWith("+") && !l.startsWith("+++") && l.trim().length > 8)
    .map((l) => l.slice(1).trim());
  return [SENTINEL, ...(names ? ["test_punctuation"] : []), ...added].find((needle) => text.includes(needle));
}

/** The events up to (not including) the `hidden` event: the agent's whole view and more. */
function beforeHidden(events: JobEvent[]): JobEvent[] {
  const at = events.findIndex((e) => e.type === "hidden");
  expect(at).toBeGreaterThan(0);
  return events.slice(0, at);
}

const hiddenSpec = () => ({
  patch: repo.hiddenPatch,
  test: "python3 -m pytest -rA tests",
  failToPass: [FIXED],
  passToPass: KEPT,
});

describe("hidden checks", { timeout: 180_000 }, () => {
  it("the gold trajectory resolves the instance; nothing hidden reaches the model or the events before `hidden`", async () => {
    stack.model.requests.length = 0;
    const job = await runJob("script:gold", hiddenSpec());
    expect(job.status).toBe("succeeded");
    expect(job.hidden).toMatchObject({
      resolved: true,
      tests: [
        { name: FIXED, outcome: "passed" },
        { name: KEPT[0], outcome: "passed" },
        { name: KEPT[1], outcome: "passed" },
      ],
      failToPass: { passed: [FIXED], failed: [] },
      passToPass: { passed: KEPT, failed: [] },
      exitCode: 0,
      format: "pytest",
      ranIn: "fresh_sandbox",
    });
    expect(job.hidden?.error).toBeUndefined();
    // The agent looked: its tree had no hidden test, and the model was sent nothing of it.
    expect(stack.model.requests.length).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(stack.model.requests)).toContain("def test_spaces");
    expect(leaks(JSON.stringify(stack.model.requests))).toBeUndefined();
    expect(leaks(JSON.stringify(beforeHidden(job.events)))).toBeUndefined();
    expect(job.events.find((e) => e.type === "hidden")?.data).toMatchObject({ resolved: true, notPassing: [] });
    // The job JSON names the patch by size and digest only (the test names are shown).
    expect(leaks(job.json.replace(/"result":.*$/s, ""), false)).toBeUndefined();
    expect(JSON.parse(job.json).spec.checks.hidden).toMatchObject({ patchBytes: Buffer.byteLength(repo.hiddenPatch) });
  });

  it("an empty patch does not resolve it: the fail-to-pass test fails, the others still pass", async () => {
    const job = await runJob("script:empty", hiddenSpec());
    expect(job.status).toBe("succeeded");
    expect(job.hidden).toMatchObject({
      resolved: false,
      tests: [
        { name: FIXED, outcome: "failed" },
        { name: KEPT[0], outcome: "passed" },
        { name: KEPT[1], outcome: "passed" },
      ],
      failToPass: { passed: [], failed: [FIXED] },
      passToPass: { passed: KEPT, failed: [] },
      exitCode: 1,
    });
    expect(leaks(JSON.stringify(beforeHidden(job.events)))).toBeUndefined();
  });

  it("the agent's own changes to a file the hidden patch touches are set aside, so the hidden patch still applies", async () => {
    const job = await runJob("script:gold-with-test", hiddenSpec());
    expect(job.status).toBe("succeeded");
    expect(job.patch).toContain("+def test_mine():");
    expect(job.hidden).toMatchObject({ resolved: true, failToPass: { passed: [FIXED], failed: [] } });
    expect(job.hidden?.error).toBeUndefined();
  });

  it("a hidden patch that does not apply is recorded as the error, with every named test missing", async () => {
    const broken = repo.hiddenPatch.replace(" def test_spaces():", " def test_renamed():");
    expect(broken).not.toBe(repo.hiddenPatch);
    const job = await runJob("script:empty", { ...hiddenSpec(), patch: broken, failToPass: [FIXED], passToPass: [] });
    expect(job.status).toBe("succeeded");
    expect(job.hidden).toMatchObject({
      resolved: false,
      tests: [{ name: FIXED, outcome: "missing" }],
      failToPass: { passed: [], failed: [FIXED] },
      exitCode: null,
    });
    expect(job.hidden?.error).toMatch(/the hidden test patch did not apply/);
  });

  it("a hidden patch over the cap is refused with a 400 that names the field and the limit", async () => {
    const patch = `${repo.hiddenPatch}${"+".repeat(HIDDEN_PATCH_MAX_CHARS)}`;
    const spec = { repo: { url: repo.url }, task: "t", checks: { hidden: { ...hiddenSpec(), patch } } };
    const { status, job } = await submit(stack.api, spec);
    expect(status).toBe(400);
    expect(JSON.stringify(job)).toContain(`checks.hidden.patch is longer than ${HIDDEN_PATCH_MAX_CHARS} characters`);
  });
});
