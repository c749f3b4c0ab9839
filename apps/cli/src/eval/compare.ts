import { buildReport, dollars, type EvalReport, percent, seconds, totals } from "./report.js";
import { RunFolder } from "./run-folder.js";

/** One side of a comparison. */
export interface CompareSide {
  dir: string;
  model: string | null;
  engine: string | null;
  attempts: number;
  instances: number;
  resolved: number;
  resolvedRate: number;
  costUsd: number | null;
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  turns: number;
}

/** compare.json: two runs over the instances they share. */
export interface EvalComparison {
  a: CompareSide;
  b: CompareSide;
  /** Instances both runs hold; rates, cost and time below are over these. */
  shared: number;
  /** Resolved by B, not by A. */
  gained: string[];
  /** Resolved by A, not by B. */
  lost: string[];
  bothResolved: string[];
  neitherResolved: string[];
  /** Instances only one of the runs holds (not compared). */
  onlyInA: string[];
  onlyInB: string[];
}

function side(report: EvalReport, ids: Set<string>): CompareSide {
  return {
    dir: report.run.dir,
    model: report.run.model ?? null,
    engine: report.run.engine ?? null,
    attempts: report.run.attempts ?? 1,
    ...totals(report.instances.filter((r) => ids.has(r.id))),
  };
}

/** Compares two run folders instance by instance. */
export function compareRuns(dirA: string, dirB: string): EvalComparison {
  const a = buildReport(new RunFolder(dirA));
  const b = buildReport(new RunFolder(dirB));
  const inB = new Map(b.instances.map((r) => [r.id, r]));
  const inA = new Map(a.instances.map((r) => [r.id, r]));
  const shared = a.instances.filter((r) => inB.has(r.id)).map((r) => r.id);
  const ids = new Set(shared);
  const resolvedIn = (m: typeof inA, id: string) => m.get(id)?.resolved === true;
  return {
    a: side(a, ids),
    b: side(b, ids),
    shared: shared.length,
    gained: shared.filter((id) => !resolvedIn(inA, id) && resolvedIn(inB, id)),
    lost: shared.filter((id) => resolvedIn(inA, id) && !resolvedIn(inB, id)),
    bothResolved: shared.filter((id) => resolvedIn(inA, id) && resolvedIn(inB, id)),
    neitherResolved: shared.filter((id) => !resolvedIn(inA, id) && !resolvedIn(inB, id)),
    onlyInA: a.instances.filter((r) => !inB.has(r.id)).map((r) => r.id),
    onlyInB: b.instances.filter((r) => !inA.has(r.id)).map((r) => r.id),
  };
}

const list = (ids: string[]) => (ids.length === 0 ? "none" : ids.join(", "));
const label = (s: CompareSide) =>
  `${s.model ?? "(default model)"} · ${s.engine ?? "(default engine)"} · N=${s.attempts}`;

/** compare.md: the two runs side by side and the instances that flipped. */
export function comparisonMarkdown(c: EvalComparison): string {
  const row = (name: string, f: (s: CompareSide) => string) => `| ${name} | ${f(c.a)} | ${f(c.b)} |`;
  return `${[
    `# Eval comparison (${c.shared} shared instances)`,
    "",
    "| | A | B |",
    "|---|---|---|",
    row("run", (s) => s.dir),
    row("setup", label),
    row("resolved", (s) => `${s.resolved}/${s.instances} (${percent(s.resolvedRate)})`),
    row("cost", (s) => dollars(s.costUsd)),
    row("time", (s) => seconds(s.durationMs)),
    row("turns", (s) => String(s.turns)),
    row("tokens in/out", (s) => `${s.inputTokens}/${s.outputTokens}`),
    "",
    `- Gained (resolved by B only): ${list(c.gained)}`,
    `- Lost (resolved by A only): ${list(c.lost)}`,
    `- Resolved by both: ${list(c.bothResolved)}`,
    `- Resolved by neither: ${list(c.neitherResolved)}`,
    ...(c.onlyInA.length + c.onlyInB.length > 0
      ? [`- Not compared (in one run only): A ${list(c.onlyInA)}; B ${list(c.onlyInB)}`]
      : []),
  ].join("\n")}\n`;
}
