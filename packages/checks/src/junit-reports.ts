import type { Workspace } from "@patchbay/core";
import { parseJUnitXml } from "./parsers/junit.js";
import type { TestReport } from "./parsers/types.js";

/**
 * Where test runners commonly write JUnit XML (pytest --junitxml, jest-junit, node --test
 * --test-reporter=junit, surefire, Gradle). Read only when the command's output had no summary a
 * parser knows, and only when the command (re)wrote them.
 */
export const DEFAULT_JUNIT_PATHS: readonly string[] = [
  "junit.xml",
  "test-results.xml",
  "report.xml",
  "test-results/junit.xml",
  "reports/junit.xml",
  "test-reports/junit.xml",
  "target/surefire-reports",
  "build/test-results/test",
];

const TIMEOUT_MS = 30_000;
const MAX_FILES = 200;

/**
 * Report files under `paths` with an identity (inode, size, change and modification time), so a
 * report left by an earlier run is not mistaken for this run's. Paths go in as arguments, never
 * spliced into the script. Without any of them (most runs) it ends before its pipeline, whose
 * three processes would otherwise stand before every test command.
 */
const LIST_SCRIPT = `n=$#
for p in "$@"; do [ -e "$p" ] && set -- "$@" "$p"; done
shift "$n"
[ "$#" -gt 0 ] || exit 0
for p in "$@"; do
  if [ -d "$p" ]; then find "$p" -maxdepth 2 -type f -name '*.xml' -print0; elif [ -f "$p" ]; then printf '%s\\0' "$p"; fi
done | head -z -n ${MAX_FILES} | xargs -0 -r stat --printf '%n\\t%i:%s:%.9Y:%.9Z\\0'`;

/** Report files and their identities, taken before a run to compare with after it. */
export type ReportSnapshot = Map<string, string>;

/** Lists the report files present now (call before the test command). */
export async function snapshotReports(workspace: Workspace, paths: readonly string[]): Promise<ReportSnapshot> {
  const listing = await workspace.exec(`set -- ${paths.map(shellQuote).join(" ")}; ${LIST_SCRIPT}`, {
    timeoutMs: TIMEOUT_MS,
  });
  const files: ReportSnapshot = new Map();
  for (const entry of listing.stdout.split("\0")) {
    const tab = entry.lastIndexOf("\t");
    if (tab > 0) files.set(entry.slice(0, tab), entry.slice(tab + 1));
  }
  return files;
}

/**
 * Reads the reports the command wrote or rewrote since `before` and merges them: counts add up,
 * failing names are `classname.name`. Undefined when there is none or none has test cases.
 */
export async function readFreshReports(
  workspace: Workspace,
  paths: readonly string[],
  before: ReportSnapshot,
): Promise<{ report: TestReport; files: string[] } | undefined> {
  const now = await snapshotReports(workspace, paths);
  const fresh = [...now].filter(([file, identity]) => before.get(file) !== identity).map(([file]) => file);
  const reports: TestReport[] = [];
  const files: string[] = [];
  for (const file of fresh.sort()) {
    const xml = await workspace.readFile(file);
    const report = xml ? parseJUnitXml(xml.toString("utf8")) : undefined;
    if (!report || total(report) === 0) continue;
    reports.push(report);
    files.push(file);
  }
  if (reports.length === 0) return undefined;
  return { report: mergeReports(reports), files };
}

function mergeReports(reports: TestReport[]): TestReport {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const names: string[] = [];
  for (const report of reports) {
    counts.passed += report.counts.passed;
    counts.failed += report.counts.failed;
    counts.skipped += report.counts.skipped;
    names.push(...report.failedTests);
  }
  return { format: "junit", counts, failedTests: [...new Set(names)] };
}

function total(report: TestReport): number {
  return report.counts.passed + report.counts.failed + report.counts.skipped;
}

/** Quotes a value for a POSIX shell. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}
