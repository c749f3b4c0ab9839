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
  constructor(private readonly results: Record<string, Partial<ExecResult> & { live?: boolean }>) {}

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
    if (live && result.stdout) options?.onOutput?.("stdout", result.stdout);
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

describe("runChecks with real commands", () => {
  let workspace: LocalWorkspace | undefined;
  afterEach(async () => workspace?.dispose());

  it("reports a time-out as not passed", async () => {
    workspace = await LocalWorkspace.create();
    const command: CheckCommand = { kind: "test", command: "echo started; sleep 10", source: "job" };
    const [run] = await runChecks(workspace, [command], { stage: "after", emit: () => {}, timeoutMs: 300 });
    expect(run).toMatchObject({ timedOut: true, passed: false, exitCode: null, outputTail: "started\n" });
    expect(run!.durationMs).toBeLessThan(5000);
  });
});
