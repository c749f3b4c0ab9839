import { countWords, unique } from "./text.js";
import type { TestReport } from "./types.js";

// "      Tests  2 failed | 3 passed | 1 skipped | 1 todo (7)" (not the "Test Files" line).
const SUMMARY = /^\s*Tests\s{2,}(.+?)\s+\((\d+)\)\s*$/m;
const FAIL = /^\s*FAIL\s+(?:\|[^|]+\|\s+)?(.+?)\s*$/;

/** Parses vitest's default reporter: the `Tests  N failed | N passed (N)` line and `FAIL  file > name` headings. */
export function parseVitest(text: string): TestReport | undefined {
  const summary = SUMMARY.exec(text);
  if (!summary || !/\b(passed|failed|skipped|todo)\b/.test(summary[1]!)) return undefined;
  const words = countWords(summary[1]!);
  const failedTests: string[] = [];
  for (const line of text.split("\n")) {
    const match = FAIL.exec(line);
    // A suite that failed to load is printed as "FAIL  file [ file ]".
    if (match) failedTests.push(match[1]!.replace(/\s+\[ .* \]$/, ""));
  }
  return {
    format: "vitest",
    counts: {
      passed: words.get("passed") ?? 0,
      failed: words.get("failed") ?? 0,
      skipped: (words.get("skipped") ?? 0) + (words.get("todo") ?? 0),
    },
    failedTests: unique(failedTests),
  };
}
