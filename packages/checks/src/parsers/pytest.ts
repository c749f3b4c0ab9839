import { countWords, unique } from "./text.js";
import type { TestReport } from "./types.js";

// "==== 2 failed, 3 passed, 1 skipped in 0.12s ====", "1 passed, 2 subtests passed in 0.01s (0:00:01)",
// "no tests ran in 0.01s"; plugins add their own "N words" items, so any are accepted.
const SUMMARY = /^=*\s*((?:\d+ [a-z]+(?: [a-z]+)?, )*\d+ [a-z]+(?: [a-z]+)?|no tests ran) in [\d.]+s\b.*$/gm;
const KNOWN = /\b(passed|failed|errors?|skipped|xfailed|xpassed|deselected|no tests ran)\b/;
// pytest 9 reports a failing subtest as "SUBFAILED(i=2) path::test - message".
const FAILED = /^(?:FAILED|ERROR|SUBFAILED(\(.*?\))?) (.+?)(?: - .*)?\s*$/;

/** Parses pytest's terminal summary and its "short test summary info" (`FAILED path::name`). */
export function parsePytest(text: string): TestReport | undefined {
  const summaries = [...text.matchAll(SUMMARY)];
  const last = summaries.findLast((match) => KNOWN.test(match[1]!));
  if (!last) return undefined;
  const words = countWords(last[1]!);
  const failedTests: string[] = [];
  for (const line of text.split("\n")) {
    const match = FAILED.exec(line);
    if (match) failedTests.push(match[1] ? `${match[2]!} ${match[1]}` : match[2]!);
  }
  return {
    format: "pytest",
    counts: {
      passed: (words.get("passed") ?? 0) + (words.get("xpassed") ?? 0),
      // Errors (fixtures, collection) fail the run as surely as failed assertions.
      failed: (words.get("failed") ?? 0) + (words.get("error") ?? 0) + (words.get("errors") ?? 0),
      skipped: (words.get("skipped") ?? 0) + (words.get("xfailed") ?? 0),
    },
    failedTests: unique(failedTests),
  };
}
