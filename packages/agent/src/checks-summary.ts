import type { CheckRun } from "@patchbay/core";

const TAIL_CHARS = 1500;
const FAILED_TESTS = 20;

/**
 * The short JSON a `run_checks` call returns to the model: whether everything passed and, per
 * command, its exit, test counts, the first failing tests and the end of its output.
 */
export function summarizeChecks(runs: readonly CheckRun[]): string {
  // A command that is not installed cannot be fixed from inside the sandbox: it is reported, not judged.
  const judged = runs.filter((r) => r.status !== "unavailable");
  const summary = {
    passed: judged.length > 0 && judged.every((r) => r.passed),
    runs: runs.map((r) => ({
      kind: r.kind,
      command: r.command,
      passed: r.passed,
      ...(r.status === "unavailable" ? { unavailable: r.reason ?? "command not found" } : {}),
      exitCode: r.exitCode,
      ...(r.timedOut ? { timedOut: true } : {}),
      ...(r.counts ? { counts: r.counts } : {}),
      ...(r.failedTests?.length ? { failedTests: r.failedTests.slice(0, FAILED_TESTS) } : {}),
      outputTail: r.outputTail.slice(-TAIL_CHARS),
    })),
  };
  if (runs.length === 0)
    return JSON.stringify({ passed: false, runs: [], note: "this repository has no test or lint command" });
  return JSON.stringify(summary);
}
