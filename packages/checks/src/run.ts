import type { CheckRun, EventSink, ExecResult, Workspace } from "@patchbay/core";
import { LogForwarder } from "./log-forwarder.js";
import { combinedOutput, outputTail, TailBuffer } from "./output.js";
import { parseTestOutput, type TestReport } from "./parsers/index.js";
import type { CheckCommand } from "./types.js";

/** Options of runChecks. */
export interface RunChecksOptions {
  /** "baseline" on the untouched checkout, "after" once the agent is done. */
  stage: "baseline" | "after";
  emit: EventSink;
  /** Time limit for each command. */
  timeoutMs: number;
  /** Stops the running command; commands not yet started are skipped. */
  signal?: AbortSignal;
  /** Environment for the commands; defaults to CHECK_ENV. */
  env?: Record<string, string>;
  /** Live output forwarded as log events per command (default 1 MiB). */
  maxLogBytes?: number;
}

/**
 * CI=true keeps runners out of watch mode and interactive prompts; NO_COLOR keeps the output
 * readable in logs (parsers strip colours anyway).
 */
export const CHECK_ENV: Readonly<Record<string, string>> = { CI: "true", NO_COLOR: "1" };

const TAIL_BYTES = 4096;
const PARSE_CHARS = 4 * 1024 * 1024;
const EVENT_FAILED_TESTS = 50;

/** Runs the test command, then the lint command, and records each as a CheckRun and a `check` event. */
export async function runChecks(
  workspace: Workspace,
  commands: readonly CheckCommand[],
  options: RunChecksOptions,
): Promise<CheckRun[]> {
  const ordered = [...commands].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "test" ? -1 : 1));
  const runs: CheckRun[] = [];
  for (const check of ordered) {
    if (options.signal?.aborted) break;
    const run = await runOne(workspace, check, options);
    runs.push(run);
    emitCheck(options, run);
  }
  return runs;
}

async function runOne(workspace: Workspace, check: CheckCommand, options: RunChecksOptions): Promise<CheckRun> {
  const log = new LogForwarder(
    options.emit,
    options.stage === "baseline" ? "baseline" : "checks",
    options.maxLogBytes ?? 1024 * 1024,
  );
  const live = new TailBuffer(PARSE_CHARS);
  log.write("stdout", `$ ${check.command}\n`);
  const result = await workspace.exec(check.command, {
    timeoutMs: options.timeoutMs,
    env: { ...(options.env ?? CHECK_ENV) },
    ...(options.signal ? { signal: options.signal } : {}),
    onOutput: (stream, text) => {
      live.push(text);
      log.write(stream, text);
    },
  });
  const output = combinedOutput(live, result);
  // Lint output is not a test report, and a lint tool's summary could pass for one.
  const report = check.kind === "test" ? parseTestOutput(output) : undefined;
  return toCheckRun(check, result, output, report);
}

function toCheckRun(check: CheckCommand, result: ExecResult, output: string, report: TestReport | undefined): CheckRun {
  return {
    kind: check.kind,
    command: check.command,
    source: check.source,
    ...(check.detectedFrom ? { detectedFrom: check.detectedFrom } : {}),
    exitCode: result.exitCode,
    passed: result.exitCode === 0 && !result.timedOut,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    outputTail: outputTail(output, TAIL_BYTES),
    ...(report ? { counts: report.counts, failedTests: report.failedTests } : {}),
  };
}

function emitCheck(options: RunChecksOptions, run: CheckRun): void {
  options.emit({
    type: "check",
    data: {
      stage: options.stage,
      kind: run.kind,
      command: run.command,
      exitCode: run.exitCode,
      passed: run.passed,
      durationMs: run.durationMs,
      timedOut: run.timedOut,
      ...(run.counts ? { counts: run.counts } : {}),
      ...(run.failedTests ? { failedTests: run.failedTests.slice(0, EVENT_FAILED_TESTS) } : {}),
    },
  });
}
