import type { ExecResult, HiddenChecks, HiddenResult, Workspace } from "@patchbay/core";
import { judgeHidden } from "./hidden.js";
import { CheckOutput, outputTail } from "./output.js";
import { parseTestOutcomes } from "./parsers/outcomes.js";
import { CHECK_ENV } from "./run.js";
import { unavailableReason } from "./unavailable.js";

const TAIL_BYTES = 4096;

/** How the hidden test command runs. */
export interface HiddenTestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Runs the hidden test command in a workspace that already holds the agent's patch and the
 * hidden test patch, and judges it by name. Its output goes into no event: it may quote the
 * hidden tests, and only the result (after the agent phase) may hold them.
 */
export async function runHiddenTests(
  workspace: Workspace,
  hidden: HiddenChecks,
  options: HiddenTestOptions,
): Promise<Omit<HiddenResult, "ranIn">> {
  const live = new CheckOutput();
  const result = await workspace.exec(hidden.test, {
    timeoutMs: options.timeoutMs,
    env: { ...CHECK_ENV },
    ...(options.signal ? { signal: options.signal } : {}),
    onOutput: (stream, text) => live.push(stream, text),
  });
  const output = live.finish(result);
  const outcomes = parseTestOutcomes(output);
  const named = (hidden.failToPass?.length ?? 0) + (hidden.passToPass?.length ?? 0) > 0;
  const error = runError(hidden.test, result, output, options.timeoutMs, named && !outcomes);
  const exitCode = result.timedOut ? null : result.exitCode;
  return {
    ...judgeHidden(hidden, { outcomes, exitCode, ...(error ? { error } : {}) }),
    exitCode,
    durationMs: result.durationMs,
    ...(error ? { error } : {}),
    ...(outcomes ? { format: outcomes.format } : {}),
    ...(result.timedOut ? { timedOut: true } : {}),
    outputTail: outputTail(output, TAIL_BYTES),
  };
}

function runError(
  command: string,
  result: ExecResult,
  output: string,
  timeoutMs: number,
  unrecognised: boolean,
): string | undefined {
  if (result.timedOut) return `the hidden test command timed out after ${Math.round(timeoutMs / 1000)} s`;
  const missing = unavailableReason(command, result, output);
  if (missing) return `the hidden test command is not installed in the sandbox: ${missing}`;
  if (unrecognised) {
    return "no test runner's summary was recognised in the hidden test output, so no test could be named (see the README for the runners and flags that name tests)";
  }
  return undefined;
}
