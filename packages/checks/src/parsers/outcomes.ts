import { parseTestOutput } from "./index.js";
import { JS_LISTERS } from "./listed-js.js";
import { OTHER_LISTERS } from "./listed-other.js";
import type { ListedOutcome, TestLister } from "./listed-types.js";
import { cleanOutput } from "./text.js";

export type { ListedOutcome, TestLister } from "./listed-types.js";

const LISTERS: Record<string, TestLister> = { ...JS_LISTERS, ...OTHER_LISTERS };

/** Every test a runner's output named, with its outcome (names as the parsers write them). */
export interface TestOutcomes {
  /** The parser that recognised the output, e.g. "pytest". */
  format: string;
  tests: Map<string, ListedOutcome>;
  /** The run stopped before reporting every test (TAP `Bail out!`, a short plan). */
  incomplete?: string;
}

/**
 * Reads per-test outcomes from a test command's output: the runner is recognised by
 * `parseTestOutput` (whose failing names win), then its listing adds the passing and skipped
 * tests under the same names. Passing tests are named only when the runner prints them (pytest
 * `-v`/`-rA`, unittest `-v`, jest `--verbose`, vitest `--reporter=verbose`, go `-v`; TAP, mocha's
 * spec, node:test's spec, ava, cargo and JUnit always do). Undefined when no parser knows the output.
 */
export function parseTestOutcomes(output: string): TestOutcomes | undefined {
  const text = cleanOutput(output);
  const report = parseTestOutput(text);
  if (!report) return undefined;
  const tests = new Map<string, ListedOutcome>();
  LISTERS[report.format]?.(text, tests);
  for (const name of report.failedTests) tests.set(name, "failed");
  return { format: report.format, tests, ...(report.incomplete ? { incomplete: report.incomplete } : {}) };
}
