import type { CheckRun, ChecksComparison } from "@patchbay/core";
import type { CheckKind } from "./types.js";

/**
 * Compares the baseline with the after-runs: whether everything passes now (null when no check
 * ran: none, or only commands that are not installed — an unavailable command counts against
 * the job only when it could run in the baseline), which check kinds regressed, and (when both test runs named their failures) which tests were fixed, still fail
 * or newly fail.
 */
export function compareChecks(before: CheckRun[], after: CheckRun[]): ChecksComparison {
  const regressions: string[] = [];
  for (const kind of ["test", "lint"] as const) {
    const was = lastOfKind(before, kind);
    const now = lastOfKind(after, kind);
    if (was?.passed && now && !now.passed) regressions.push(kind);
  }
  const judged = after.filter((run) => run.status !== "unavailable" || ranBefore(before, run));
  return {
    before,
    after,
    passed: judged.length === 0 ? null : judged.every((run) => run.passed),
    regressions,
    ...testChanges(lastOfKind(before, "test"), lastOfKind(after, "test")),
  };
}

type TestChanges = Pick<ChecksComparison, "fixed" | "stillFailing" | "newlyFailing">;

function testChanges(before: CheckRun | undefined, after: CheckRun | undefined): TestChanges {
  if (!before?.failedTests || !after?.failedTests) return {};
  const failingAfter = new Set(after.failedTests);
  const failingBefore = new Set(before.failedTests);
  // A test missing from the after-failures only counts as fixed when the after-run really ran
  // the tests (it has counts) and finished; a run that crashed or timed out proves nothing.
  // A run that bailed out or fell short of its plan did not report the tests it never reached.
  const afterIsTrusted = after.counts !== undefined && !after.timedOut && !after.incomplete;
  return {
    fixed: afterIsTrusted ? before.failedTests.filter((name) => !failingAfter.has(name)) : [],
    stillFailing: before.failedTests.filter((name) => failingAfter.has(name)),
    newlyFailing: after.failedTests.filter((name) => !failingBefore.has(name)),
  };
}

function lastOfKind(runs: CheckRun[], kind: CheckKind): CheckRun | undefined {
  return runs.findLast((run) => run.kind === kind);
}

/** True when the same command could run in the baseline (it was not unavailable there). */
function ranBefore(before: CheckRun[], run: CheckRun): boolean {
  return before.some((was) => was.kind === run.kind && was.command === run.command && was.status !== "unavailable");
}
