import type { ExecOptions, ExecResult, NewEvent, Workspace } from "@patchbay/core";
import { afterEach, describe, expect, it } from "vitest";
import { runChecks } from "./run.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";
import type { CheckCommand } from "./types.js";

const TEST: CheckCommand = {
  kind: "test",
  command: "npm test",
  source: "detected",
  detectedFrom: "package.json scripts.test",
};
const LINT: CheckCommand = { kind: "lint", command: "npm run lint", source: "job" };

/** Answers each command with a scripted result, streaming its output first. */
class ScriptedWorkspace implements Workspace {
  readonly root = "/workspace";
  readonly calls: { command: string; options: ExecOptions | undefined }[] = [];
  /** `live`: false streams nothing; a list of chunks is streamed instead of the result's stdout. */
  constructor(private readonly results: Record<string, Partial<ExecResult> & { live?: boolean | string[] }>) {}

  async exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ command, options });
    const { live = true, ...scripted } = this.results[command] ?? {};
    const result = {
      exitCode: 0,
      stdout: "",
      stderr: "",
      timedOut: false,
      durationMs: 5,
      truncatedBytes: 0,
      ...scripted,
    };
    if (Array.isArray(live)) for (const chunk of live) options?.onOutput?.("stdout", chunk);
    else if (live && result.stdout) options?.onOutput?.("stdout", result.stdout);
    if (live && result.stderr) options?.onOutput?.("stderr", result.stderr);
    return result;
  }
  readFile = async () => null;
  writeFile = async () => {};
  deleteFile = async () => {};
}

const JEST_FAIL = "FAIL src/a.test.js\n  ● a › b\n\nTests:       1 failed, 2 passed, 3 total\n";

describe("runChecks", () => {
  it("runs test before lint and records each run", async () => {
    const workspace = new ScriptedWorkspace({
      "npm test": { exitCode: 1, stderr: JEST_FAIL, durationMs: 40 },
      "npm run lint": { stdout: "Checked 3 files. 0 passed, 0 failed\n" },
    });
    const events: NewEvent[] = [];
    const runs = await runChecks(workspace, [LINT, TEST], {
      stage: "baseline",
      emit: (e) => events.push(e),
      timeoutMs: 1000,
    });
    // Before the test command, one listing of the JUnit report locations (to tell fresh reports from stale ones).
    const commands = workspace.calls.map((c) => c.command);
    expect(commands.filter((c) => !c.includes("surefire-reports"))).toEqual(["npm test", "npm run lint"]);
    const testCall = workspace.calls.find((c) => c.command === "npm test");
    expect(testCall!.options).toMatchObject({ timeoutMs: 1000, env: { CI: "true", NO_COLOR: "1" } });
    expect(runs[0]).toEqual({
      kind: "test",
      command: "npm test",
      source: "detected",
      detectedFrom: "package.json scripts.test",
      exitCode: 1,
      passed: false,
      status: "failed",
      timedOut: false,
      durationMs: 40,
      outputTail: JEST_FAIL,
      counts: { passed: 2, failed: 1, skipped: 0 },
      failedTests: ["src/a.test.js > a > b"],
      report: "output:jest",
    });
    // Lint output is never read as a test report.
    expect(runs[1]).toMatchObject({ kind: "lint", source: "job", passed: true });
    expect(runs[1]).not.toHaveProperty("counts");
    expect(events.filter((e) => e.type === "check").map((e) => e.data)).toEqual([
      {
        stage: "baseline",
        kind: "test",
        command: "npm test",
        exitCode: 1,
        passed: false,
        status: "failed",
        durationMs: 40,
        timedOut: false,
        counts: { passed: 2, failed: 1, skipped: 0 },
        failedTests: ["src/a.test.js > a > b"],
      },
      {
        stage: "baseline",
        kind: "lint",
        command: "npm run lint",
        exitCode: 0,
        passed: true,
        status: "passed",
        durationMs: 5,
        timedOut: false,
      },
    ]);
  });

  it("streams output as log events of the checks phase after the baseline", async () => {
    const workspace = new ScriptedWorkspace({ "npm test": { stdout: "ok\n", stderr: "warn\n" } });
    const events: NewEvent[] = [];
    await runChecks(workspace, [TEST], { stage: "after", emit: (e) => events.push(e), timeoutMs: 1000 });
    expect(events.filter((e) => e.type === "log").map((e) => e.data)).toEqual([
      { stream: "stdout", text: "$ npm test\n", phase: "checks", source: "checks" },
      { stream: "stdout", text: "ok\n", phase: "checks", source: "checks" },
      { stream: "stderr", text: "warn\n", phase: "checks", source: "checks" },
    ]);
  });

  it("parses the result's streams when the workspace streamed nothing", async () => {
    const workspace = new ScriptedWorkspace({ "npm test": { exitCode: 1, stderr: JEST_FAIL, live: false } });
    const [run] = await runChecks(workspace, [TEST], { stage: "after", emit: () => {}, timeoutMs: 1000 });
    expect(run?.failedTests).toEqual(["src/a.test.js > a > b"]);
  });

  it("stops forwarding live output past the budget, with one marker", async () => {
    const workspace = new ScriptedWorkspace({ "npm test": { stdout: "x".repeat(500) } });
    const events: NewEvent[] = [];
    await runChecks(workspace, [TEST], {
      stage: "after",
      emit: (e) => events.push(e),
      timeoutMs: 1000,
      maxLogBytes: 100,
    });
    const logs = events.flatMap((e) => (e.type === "log" ? [e.data.text] : []));
    expect(logs).toEqual(["$ npm test\n", expect.stringContaining("live output of this check stopped after 11 bytes")]);
  });

  it("skips commands once the signal is aborted", async () => {
    const workspace = new ScriptedWorkspace({});
    const controller = new AbortController();
    controller.abort();
    const runs = await runChecks(workspace, [TEST, LINT], {
      stage: "after",
      emit: () => {},
      timeoutMs: 1000,
      signal: controller.signal,
    });
    expect(runs).toEqual([]);
    expect(workspace.calls).toEqual([]);
  });
});

/** What the sandbox keeps of a long stream: head and tail around a marker (see @patchbay/sandbox CappedOutput). */
function capped(text: string, cap: number): string {
  return `${text.slice(0, cap / 2)}\n[... ${text.length - cap} bytes omitted ...]\n${text.slice(-cap / 2)}`;
}

/** A TAP run of `count` passing tests with one failing test at `failAt`, as node:test prints it. */
function longTap(count: number, failAt: number): string {
  const lines = ["TAP version 13"];
  for (let i = 1; i <= count; i++) {
    lines.push(
      i === failAt ? `not ok ${i} - parser rejects an empty name` : `ok ${i} - passes case number ${i} of a long suite`,
    );
  }
  lines.push(`1..${count}`, `# tests ${count}`, `# pass ${count - 1}`, `# fail 1`, "");
  return lines.join("\n");
}

describe("runChecks on long output", () => {
  it("names a failure reported early in output far longer than what the workspace keeps", async () => {
    const text = longTap(250_000, 100_000); // about 12 MB, the failure 5 MB in
    const chunks = Array.from({ length: Math.ceil(text.length / 65536) }, (_, i) =>
      text.slice(i * 65536, (i + 1) * 65536),
    );
    const workspace = new ScriptedWorkspace({
      "npm test": {
        exitCode: 1,
        stdout: capped(text, 1024 * 1024),
        truncatedBytes: text.length - 1024 * 1024,
        live: chunks,
      },
    });
    const [run] = await runChecks(workspace, [TEST], { stage: "after", emit: () => {}, timeoutMs: 1000 });
    expect(run).toMatchObject({
      counts: { passed: 249_999, failed: 1, skipped: 0 },
      failedTests: ["parser rejects an empty name"],
      report: "output:tap",
    });
  });

  it("reads the end the workspace kept when its live output stopped early", async () => {
    const text = longTap(200_000, 199_990);
    const stop = 3 * 1024 * 1024;
    const live = [text.slice(0, stop), `\n[... live output stopped after ${stop} bytes ...]\n`];
    const workspace = new ScriptedWorkspace({
      "npm test": { exitCode: 1, stdout: capped(text, 1024 * 1024), truncatedBytes: text.length - 1024 * 1024, live },
    });
    const [run] = await runChecks(workspace, [TEST], { stage: "after", emit: () => {}, timeoutMs: 1000 });
    expect(run).toMatchObject({
      counts: { passed: 199_999, failed: 1, skipped: 0 },
      failedTests: ["parser rejects an empty name"],
    });
  });
});

describe("runChecks and commands that are not installed", () => {
  const LINT_MISSING: CheckCommand = { kind: "lint", command: "npm run lint", source: "detected" };

  it("reports exit 127 as unavailable with the shell's reason, and does not run it again after the agent", async () => {
    const workspace = new ScriptedWorkspace({
      "npm run lint": { exitCode: 127, stderr: "\n> lint\n> eslint .\n\nsh: 1: eslint: not found\n" },
    });
    const events: NewEvent[] = [];
    const before = await runChecks(workspace, [LINT_MISSING], {
      stage: "baseline",
      emit: (e) => events.push(e),
      timeoutMs: 1000,
    });
    expect(before[0]).toMatchObject({ status: "unavailable", passed: false, reason: "sh: 1: eslint: not found" });
    const after = await runChecks(workspace, [TEST, LINT_MISSING], {
      stage: "after",
      emit: (e) => events.push(e),
      timeoutMs: 1000,
      baseline: before,
    });
    expect(workspace.calls.filter((c) => c.command === "npm run lint")).toHaveLength(1);
    expect(after[1]).toMatchObject({
      kind: "lint",
      status: "unavailable",
      exitCode: null,
      reason: "not run again: unavailable in the baseline (sh: 1: eslint: not found)",
    });
    const checks = events.flatMap((e) => (e.type === "check" && e.data.kind === "lint" ? [e.data] : []));
    expect(checks.map((c) => [c.stage, c.status])).toEqual([
      ["baseline", "unavailable"],
      ["after", "unavailable"],
    ]);
  });
});

describe("runChecks with real commands", () => {
  let workspace: LocalWorkspace | undefined;
  afterEach(async () => workspace?.dispose());

  it("reports a time-out as not passed", async () => {
    workspace = await LocalWorkspace.create();
    // Generous time-out: on a loaded machine the shell may not print before a short one fires.
    const command: CheckCommand = { kind: "test", command: "echo started; sleep 120", source: "job" };
    const [run] = await runChecks(workspace, [command], { stage: "after", emit: () => {}, timeoutMs: 2000 });
    expect(run).toMatchObject({ timedOut: true, passed: false, exitCode: null, outputTail: "started\n" });
    // Killed at the time-out, not when the command would have ended by itself.
    expect(run!.durationMs).toBeLessThan(60_000);
  });

  it("reports a missing program as unavailable, and a failing one as failed", async () => {
    workspace = await LocalWorkspace.create({ Makefile: "lint:\n\tpatchbay-no-such-linter .\n" });
    const commands: CheckCommand[] = [
      { kind: "test", command: "patchbay-no-such-runner --all", source: "job" },
      { kind: "lint", command: "make lint", source: "detected" },
    ];
    const [test, lint] = await runChecks(workspace, commands, { stage: "baseline", emit: () => {}, timeoutMs: 10_000 });
    expect(test).toMatchObject({ status: "unavailable", exitCode: 127 });
    expect(test!.reason).toMatch(/patchbay-no-such-runner: command not found$/);
    expect(lint).toMatchObject({ status: "unavailable", exitCode: 2 });
    expect(lint!.reason).toMatch(/patchbay-no-such-linter/);
    const failing = await runChecks(workspace, [{ kind: "test", command: "echo 1 failed; exit 1", source: "job" }], {
      stage: "baseline",
      emit: () => {},
      timeoutMs: 10_000,
    });
    expect(failing[0]).toMatchObject({ status: "failed" });
    expect(failing[0]).not.toHaveProperty("reason");
  });
});
