import { unique } from "./text.js";
import type { TestReport } from "./types.js";

// One per test binary (unit tests, each integration test file, doc-tests): they add up.
const RESULT = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored;/gm;
const FAILED = /^test (.+?) \.\.\. FAILED\s*$/gm;

/** Parses `cargo test` output: `test result: FAILED. 3 passed; 1 failed; 0 ignored` and `test name ... FAILED`. */
export function parseCargoTest(text: string): TestReport | undefined {
  const results = [...text.matchAll(RESULT)];
  if (results.length === 0) return undefined;
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const result of results) {
    counts.passed += Number.parseInt(result[1]!, 10);
    counts.failed += Number.parseInt(result[2]!, 10);
    counts.skipped += Number.parseInt(result[3]!, 10);
  }
  return { format: "cargo-test", counts, failedTests: unique([...text.matchAll(FAILED)].map((m) => m[1]!)) };
}
