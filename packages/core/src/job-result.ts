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
  /** Names of failing tests parsed from the output; present when the output's format was recognised. */
  failedTests?: string[];
  /** Where a detected command came from, e.g. "package.json scripts.test". */
  detectedFrom?: string;
}

/** Check outcomes on the untouched checkout and after the agent. */
export interface ChecksComparison {
  before: CheckRun[];
  after: CheckRun[];
  /** True when every after-run passed (and there was at least one). */
  passed: boolean;
  /** Check kinds that passed before and fail after. */
  regressions: string[];
  /** Tests failing before and passing after; present when both test runs named their failures. */
  fixed?: string[];
  /** Tests failing both before and after; present when both test runs named their failures. */
  stillFailing?: string[];
  /** Tests failing after that did not fail before; present when both test runs named their failures. */
  newlyFailing?: string[];
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
