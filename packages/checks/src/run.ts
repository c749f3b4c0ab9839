import type { CheckRun, EventSink, ExecResult, Workspace } from "@patchbay/core";
import { DEFAULT_JUNIT_PATHS, type ReportSnapshot, readFreshReports, snapshotReports } from "./junit-reports.js";
import { LogForwarder } from "./log-forwarder.js";
import { CheckOutput, outputTail } from "./output.js";
import { parseTestOutput, type TestReport } from "./parsers/index.js";
import type { CheckCommand } from "./types.js";
import { notRunAgain, unavailableBefore, unavailableReason } from "./unavailable.js";

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
  /**
   * The baseline's runs (for stage "after"): a command that was `unavailable` there (not
   * installed) is not run again and is reported unavailable.
   */
  baseline?: readonly CheckRun[];
}

/**
 * CI=true keeps runners out of watch mode and interactive prompts; NO_COLOR keeps the output
 * readable in logs (parsers strip colours anyway).
 */
export const CHECK_ENV: Readonly<Record<string, string>> = { CI: "true", NO_COLOR: "1" };

const TAIL_BYTES = 4096;
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
    const missing = options.baseline ? unavailableBefore(check, options.baseline) : undefined;
    const run = missing ? notRunAgain(check, missing) : await runOne(workspace, check, options);
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
  const live = new CheckOutput();
  const reportPaths = check.kind === "test" ? (check.junit ?? DEFAULT_JUNIT_PATHS) : [];
  const reportsBefore = reportPaths.length > 0 ? await snapshotReports(workspace, reportPaths) : new Map();
  log.write("stdout", `$ ${check.command}\n`);
  const result = await workspace.exec(check.command, {
    timeoutMs: check.timeoutMs ?? options.timeoutMs,
    env: { ...(options.env ?? CHECK_ENV) },
    ...(options.signal ? { signal: options.signal } : {}),
    onOutput: (stream, text) => {
      live.push(stream, text);
      log.write(stream, text);
    },
  });
  const output = live.finish(result);
  // Lint output is not a test report, and a lint tool's summary could pass for one.
  const report =
    check.kind === "test" ? await testReport(workspace, check, output, reportPaths, reportsBefore) : undefined;
  return toCheckRun(check, result, output, report);
}

interface SourcedReport {
  report: TestReport;
  /** "junit:<files>" or "output:<format>". */
  from: string;
}

/**
 * Counts and names for a test run: JUnit reports named in .patchbay.yml win over the output;
 * reports at the common locations are read only when the output had no summary a parser knows.
 */
async function testReport(
  workspace: Workspace,
  check: CheckCommand,
  output: string,
  reportPaths: readonly string[],
  before: ReportSnapshot,
): Promise<SourcedReport | undefined> {
  const readJUnit = async () => {
    const found = await readFreshReports(workspace, reportPaths, before);
    return found ? { report: found.report, from: `junit:${found.files.join(",")}` } : undefined;
  };
  const parsed = parseTestOutput(output);
  const fromOutput = parsed ? { report: parsed, from: `output:${parsed.format}` } : undefined;
  if (check.junit) return (await readJUnit()) ?? fromOutput;
  return fromOutput ?? (await readJUnit());
}

function toCheckRun(
  check: CheckCommand,
  result: ExecResult,
  output: string,
  sourced: SourcedReport | undefined,
): CheckRun {
  const report = sourced?.report;
  const reason = unavailableReason(check.command, result, output);
  const passed = result.exitCode === 0 && !result.timedOut;
  return {
    kind: check.kind,
    command: check.command,
    source: check.source,
    ...(check.detectedFrom ? { detectedFrom: check.detectedFrom } : {}),
    exitCode: result.exitCode,
    passed,
    status: reason ? "unavailable" : passed ? "passed" : "failed",
    ...(reason ? { reason } : {}),
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    outputTail: outputTail(output, TAIL_BYTES),
    ...(report ? { counts: report.counts, failedTests: report.failedTests, report: sourced.from } : {}),
    ...(report?.incomplete ? { incomplete: report.incomplete } : {}),
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
      status: run.status,
      ...(run.reason ? { reason: run.reason } : {}),
      durationMs: run.durationMs,
      timedOut: run.timedOut,
      ...(run.counts ? { counts: run.counts } : {}),
      ...(run.failedTests ? { failedTests: run.failedTests.slice(0, EVENT_FAILED_TESTS) } : {}),
    },
  });
}
