import { dropParents, unique } from "./text.js";
import type { TestCounts, TestReport } from "./types.js";

/** `--- PASS: TestX/sub (0.00s)`: status, name. */
export const RESULT = /^\s*--- (PASS|FAIL|SKIP): (\S+) \([\d.]+s\)/;
// "ok  \tpkg\t0.004s", "FAIL\tpkg\t0.004s", "FAIL\tpkg [build failed]", "ok  \tpkg\t(cached)"
export const PACKAGE = /^(ok|FAIL)\s+(\S+)(?:\s+([\d.]+s|\(cached\))|\s+\[([^\]]+)\])/;

/**
 * Parses `go test` output: `--- FAIL: TestX` lines and the per-package `ok`/`FAIL` lines.
 * Without -v passing tests are not printed, so counts.passed is then only a lower bound.
 */
export function parseGoTest(text: string): TestReport | undefined {
  const counts: TestCounts = { passed: 0, failed: 0, skipped: 0 };
  const failed: string[] = [];
  let pending: { status: string; name: string }[] = [];
  let sawPackage = false;
  for (const line of text.split("\n")) {
    const result = RESULT.exec(line);
    if (result) {
      pending.push({ status: result[1]!, name: result[2]! });
      continue;
    }
    const pkg = PACKAGE.exec(line);
    if (!pkg) continue;
    sawPackage = true;
    settle(pending, pkg[2]!, counts, failed);
    pending = [];
    // A package that did not build or set up has no test lines: the package is the failure.
    if (pkg[1] === "FAIL" && pkg[4] !== undefined) {
      failed.push(pkg[2]!);
      counts.failed++;
    }
  }
  if (!sawPackage) return undefined;
  return { format: "go-test", counts, failedTests: unique(failed) };
}

/** Counts a package's leaf tests (a parent with subtests only sums them) and names its failures. */
function settle(results: { status: string; name: string }[], pkg: string, counts: TestCounts, failed: string[]): void {
  const leaves = new Set(dropParents(unique(results.map((r) => r.name)), "/"));
  for (const { status, name } of results) {
    if (!leaves.has(name)) continue;
    if (status === "PASS") counts.passed++;
    else if (status === "SKIP") counts.skipped++;
    else {
      counts.failed++;
      failed.push(`${pkg}.${name}`);
    }
  }
}
