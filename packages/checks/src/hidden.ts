import type { HiddenChecks, HiddenNamedOutcomes, HiddenResult, HiddenTestOutcome } from "@patchbay/core";
import type { TestOutcomes } from "./parsers/outcomes.js";

/** How many tests `tests` lists when the spec names none. */
export const HIDDEN_LISTED_MAX = 1000;

/** What one run of the hidden tests produced. */
export interface HiddenRun {
  /** Parsed per-test outcomes; undefined when the tests did not run or no parser knew the output. */
  outcomes: TestOutcomes | undefined;
  exitCode: number | null;
  /** Why the run cannot count as resolved (patch did not apply, time-out, output not recognised). */
  error?: string;
}

/**
 * Judges a hidden run by name: resolved when every failToPass and every passToPass test passed
 * (a named test the output did not report is "missing" and does not pass). A spec naming no
 * test is resolved when the command exited 0. An error is never resolved.
 */
export function judgeHidden(
  spec: Pick<HiddenChecks, "failToPass" | "passToPass">,
  run: HiddenRun,
): Pick<HiddenResult, "resolved" | "tests" | "failToPass" | "passToPass"> {
  const outcomeOf = (name: string): HiddenTestOutcome => run.outcomes?.tests.get(name) ?? "missing";
  const split = (names: string[]): HiddenNamedOutcomes => ({
    passed: names.filter((n) => outcomeOf(n) === "passed"),
    failed: names.filter((n) => outcomeOf(n) !== "passed"),
  });
  const failToPass = split([...new Set(spec.failToPass ?? [])]);
  const passToPass = split([...new Set(spec.passToPass ?? [])]);
  const named = [...new Set([...(spec.failToPass ?? []), ...(spec.passToPass ?? [])])];
  const listed = [...(run.outcomes?.tests.keys() ?? [])].slice(0, HIDDEN_LISTED_MAX);
  const tests = (named.length > 0 ? named : listed).map((name) => ({ name, outcome: outcomeOf(name) }));
  const allPassed = failToPass.failed.length === 0 && passToPass.failed.length === 0;
  const resolved = run.error === undefined && (named.length > 0 ? allPassed : run.exitCode === 0);
  return { resolved, tests, failToPass, passToPass };
}
