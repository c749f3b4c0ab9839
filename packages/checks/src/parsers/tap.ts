import { readTap, type TapDocument, type TapPoint } from "./tap-tree.js";
import { unique } from "./text.js";
import type { TestCounts, TestReport } from "./types.js";

const SEP = " > ";
const LOOKS_LIKE_TAP = /^TAP version \d+\s*$|^\s*1\.\.\d+\s*(?:#.*)?$|^# (?:pass|fail)\s+\d+\s*$/m;

/**
 * Parses TAP 13/14 as node:test, tape, mocha's and ava's tap reporters and node-tap write it:
 * test points with or without ` - ` and numbers, `# SKIP`/`# TODO` directives (a failing TODO is
 * not a failure; both count as skipped), YAML diagnostics, indented subtests, plans, `Bail out!`.
 *
 * Counts are the producer's own `# pass`/`# fail` summary when it printed one, else the leaf
 * test points (a point with subtests counts through them, plus once more when it failed with
 * all of them passing). Failing names are paths of point names from the outermost subtest
 * (`file > suite > test` for node-tap); a parent failing only because a subtest failed is not
 * named. tape names a test only in a comment before its assertions: `test name > assertion`.
 */
export function parseTap(text: string): TestReport | undefined {
  if (!LOOKS_LIKE_TAP.test(text)) return undefined;
  const doc = readTap(text);
  const hasSummary = doc.summary.has("pass") || doc.summary.has("fail");
  if (!hasSummary && doc.points.length === 0 && doc.bailOut === undefined) return undefined;
  const leaves = countLeaves(doc.points);
  leaves.skipped += doc.skipComments;
  const failedTests: string[] = [];
  collectFailures(doc.points, [], false, failedTests);
  const incomplete = incompleteReason(doc);
  return {
    format: "tap",
    counts: hasSummary ? summaryCounts(doc, leaves) : leaves,
    failedTests: unique(failedTests),
    ...(incomplete ? { incomplete } : {}),
  };
}

function summaryCounts(doc: TapDocument, leaves: TestCounts): TestCounts {
  const get = (key: string) => doc.summary.get(key) ?? 0;
  const hasSkips = ["skip", "skipped", "todo"].some((key) => doc.summary.has(key));
  return {
    passed: get("pass"),
    failed: get("fail") + get("cancelled"),
    // mocha's and tape's summaries leave skips out; their SKIP points (and tape's comments) say them.
    skipped: hasSkips ? get("skip") + get("skipped") + get("todo") : leaves.skipped,
  };
}

/** Counts leaf points; SKIP and TODO (inherited by subtests) count as skipped. */
function countLeaves(points: TapPoint[], inherited?: string, counts: TestCounts = zero()): TestCounts {
  for (const point of points) {
    const directive = inherited ?? point.directive;
    if (point.children.length > 0) {
      countLeaves(point.children, directive, counts);
      if (!point.ok && !directive && !hasFailure(point.children)) counts.failed++;
    } else if (directive) counts.skipped++;
    else if (point.ok) counts.passed++;
    else counts.failed++;
  }
  return counts;
}

/** Names failing points that have no failing subtest of their own; returns whether any failed. */
function collectFailures(points: TapPoint[], path: string[], excused: boolean, out: string[]): boolean {
  let any = false;
  for (const point of points) {
    const pointExcused = excused || point.directive !== undefined;
    const name = [...path, point.name];
    const below = collectFailures(point.children, name, pointExcused, out);
    const own = !point.ok && !pointExcused;
    if (own && !below) out.push(name.join(SEP));
    any ||= own || below;
  }
  return any;
}

function hasFailure(points: TapPoint[]): boolean {
  return collectFailures(points, [], false, []);
}

/** Why the run reported fewer tests than it would have: a bail-out, or a plan it fell short of. */
function incompleteReason(doc: TapDocument): string | undefined {
  if (doc.bailOut !== undefined) return doc.bailOut ? `bailed out: ${doc.bailOut}` : "bailed out";
  if (doc.planned !== undefined && doc.points.length < doc.planned) {
    return `planned ${doc.planned} tests, ${doc.points.length} reported`;
  }
  return undefined;
}

function zero(): TestCounts {
  return { passed: 0, failed: 0, skipped: 0 };
}
