import type { TokenUsage } from "./events.js";

/** One run of a test or lint command. */
export interface CheckRun {
  kind: "test" | "lint";
  command: string;
  source: "job" | "detected";
  exitCode: number | null;
  passed: boolean;
  timedOut: boolean;
  durationMs: number;
  outputTail: string;
  counts?: { passed: number; failed: number; skipped: number };
}

/** Check outcomes on the untouched checkout and after the agent. */
export interface ChecksComparison {
  before: CheckRun[];
  after: CheckRun[];
  /** True when every after-run passed (and there was at least one). */
  passed: boolean;
  /** Check kinds that passed before and fail after. */
  regressions: string[];
}

export interface PatchStats {
  files: number;
  insertions: number;
  deletions: number;
}

/** What a finished job produced. */
export interface JobResult {
  summary: string | null;
  patchStats: PatchStats;
  checks: ChecksComparison;
  usage: TokenUsage & { turns: number; estimatedCostUsd: number | null };
  model: string;
  baseCommit: string | null;
}
