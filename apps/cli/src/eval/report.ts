import type { LoadedInstance } from "./instance.js";
import { type InstanceOutcome, isFinished, type RunFolder, type RunSettings } from "./run-folder.js";

/** One instance's line in a report. */
export interface ReportRow {
  id: string;
  /** The job's terminal status, "running" when it was not finished, "not_run" when it never started. */
  status: string;
  resolved: boolean;
  jobId: string | null;
  durationMs: number | null;
  turns: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  costUsd: number | null;
  /** Fail-to-pass tests passing, of all. */
  failToPass: { passed: number; total: number } | null;
  passToPass: { passed: number; total: number } | null;
  error: string | null;
}

/** report.json: the run's settings, totals and one row per instance. */
export interface EvalReport {
  run: Omit<RunSettings, "runId"> & { runId: string; dir: string };
  summary: {
    instances: number;
    finished: number;
    resolved: number;
    /** resolved / instances (unfinished ones count as not resolved). */
    resolvedRate: number;
    /** Sum over finished instances; null when no job reported a cost. */
    costUsd: number | null;
    inputTokens: number;
    outputTokens: number;
    turns: number;
    durationMs: number;
  };
  instances: ReportRow[];
  generatedAt: string;
}

const count = (n: { passed: string[]; failed: string[] } | undefined) =>
  n ? { passed: n.passed.length, total: n.passed.length + n.failed.length } : null;

function rowOf(id: string, outcome: InstanceOutcome | undefined): ReportRow {
  const hidden = outcome?.hidden ?? undefined;
  const error = outcome?.error?.message ?? hidden?.error ?? null;
  return {
    id,
    status: !outcome?.jobId ? "not_run" : (outcome.status ?? "running"),
    resolved: outcome?.resolved === true,
    jobId: outcome?.jobId ?? null,
    durationMs: outcome?.durationMs ?? null,
    turns: outcome?.turns ?? null,
    inputTokens: outcome?.inputTokens ?? null,
    outputTokens: outcome?.outputTokens ?? null,
    costUsd: outcome?.costUsd ?? null,
    failToPass: count(hidden?.failToPass),
    passToPass: count(hidden?.passToPass),
    error,
  };
}

const sum = (rows: ReportRow[], pick: (r: ReportRow) => number | null) =>
  rows.reduce((total, r) => total + (pick(r) ?? 0), 0);

/** Resolved count and rate, cost, tokens, turns and time over the given rows. */
export function totals(rows: ReportRow[]) {
  const resolved = rows.filter((r) => r.resolved).length;
  const costs = rows.filter((r) => r.costUsd !== null);
  return {
    instances: rows.length,
    resolved,
    resolvedRate: rows.length === 0 ? 0 : resolved / rows.length,
    costUsd: costs.length === 0 ? null : sum(costs, (r) => r.costUsd),
    inputTokens: sum(rows, (r) => r.inputTokens),
    outputTokens: sum(rows, (r) => r.outputTokens),
    turns: sum(rows, (r) => r.turns),
    durationMs: sum(rows, (r) => r.durationMs),
  };
}

/** The report of a run folder over the given instances (all stored ones when none are given). */
export function buildReport(folder: RunFolder, instances?: LoadedInstance[]): EvalReport {
  const settings = folder.readSettings();
  const outcomes = folder.outcomes();
  const ids = instances ? instances.map((i) => i.id) : [...outcomes.keys()];
  const rows = ids.map((id) => rowOf(id, outcomes.get(id)));
  const finished = ids.filter((id) => isFinished(outcomes.get(id))).length;
  const { instances: total, ...rest } = totals(rows);
  return {
    run: { ...settings, dir: folder.dir },
    summary: { instances: total, finished, ...rest },
    instances: rows,
    generatedAt: new Date().toISOString(),
  };
}

/** A percentage with one decimal. */
export const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
/** Seconds with one decimal, or "–". */
export const seconds = (ms: number | null) => (ms === null ? "–" : `${(ms / 1000).toFixed(1)} s`);
/** Dollars, or "–" when unknown. */
export const dollars = (usd: number | null) => (usd === null ? "–" : `$${usd.toFixed(4)}`);
const ratio = (n: { passed: number; total: number } | null) => (n ? `${n.passed}/${n.total}` : "–");
const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

/** report.md: the summary and a table of instances. */
export function reportMarkdown(report: EvalReport): string {
  const { run, summary: s } = report;
  const lines = [
    `# Eval run ${run.runId}`,
    "",
    `Instances: ${run.instancesFile} · model: ${run.model ?? "(default)"} · engine: ${run.engine ?? "(default)"} · attempts: ${run.attempts ?? 1}`,
    "",
    `**Resolved ${s.resolved} of ${s.instances} (${percent(s.resolvedRate)})** · finished ${s.finished} · ` +
      `time ${seconds(s.durationMs)} · turns ${s.turns} · tokens ${s.inputTokens} in / ${s.outputTokens} out · cost ${dollars(s.costUsd)}`,
    "",
    "| instance | status | resolved | fail→pass | pass→pass | time | turns | tokens in/out | cost | job |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of report.instances) {
    const tokens = r.inputTokens === null ? "–" : `${r.inputTokens}/${r.outputTokens ?? 0}`;
    lines.push(
      `| ${cell(r.id)} | ${r.status} | ${r.resolved ? "yes" : "no"} | ${ratio(r.failToPass)} | ${ratio(r.passToPass)} | ` +
        `${seconds(r.durationMs)} | ${r.turns ?? "–"} | ${tokens} | ${dollars(r.costUsd)} | ${r.jobId ?? "–"} |`,
    );
  }
  const errors = report.instances.filter((r) => r.error);
  if (errors.length > 0) {
    lines.push("", "## Errors", "");
    for (const r of errors) lines.push(`- ${cell(r.id)}: ${cell(r.error ?? "")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Writes report.json and report.md into the run folder; returns the report. */
export function writeReport(folder: RunFolder, instances?: LoadedInstance[]): EvalReport {
  const report = buildReport(folder, instances);
  folder.writeJson("report.json", report);
  folder.writeText("report.md", reportMarkdown(report));
  return report;
}
