import type { TokenUsage } from "./events.js";
import type { HiddenResult } from "./hidden-checks.js";
import type { ChecksComparison, PatchStats } from "./job-result.js";
import type { ChangeExplanation, VerificationLink } from "./verification.js";

/** One attempt of a best-of-N job, as stored and served (GET /v1/jobs/:id/candidates). */
export interface CandidateResult {
  /** 1-based attempt number. */
  n: number;
  /** finished: the agent ended and the after-checks ran; failed: the attempt ended with `error`. */
  status: "finished" | "failed";
  summary: string | null;
  patchStats: PatchStats;
  checks: ChecksComparison;
  usage: TokenUsage & { turns: number; estimatedCostUsd: number | null };
  /** What the model said of its own change (a `Confidence: NN` line), 0–100; null when it said nothing. */
  confidence: number | null;
  hidden?: HiddenResult;
  explanation?: ChangeExplanation;
  verification?: VerificationLink[];
  error?: { code: string; message: string };
}

/** The ranking of a best-of-N job's attempts, best first, each with its reasons in words. */
export interface Ranking {
  order: number[];
  lines: string[];
}

/**
 * Ranks attempts by their checks: all checks pass, over more tests fixed, over fewer newly
 * failing, over the smaller diff; ties by the model's stated confidence, then the attempt number.
 * An attempt that failed, or changed nothing, ranks below every attempt with a change: for a
 * change job an empty patch did not do the task, however small it is.
 */
export function rankCandidates(candidates: CandidateResult[]): Ranking {
  const sorted = [...candidates].sort(compareCandidates);
  return { order: sorted.map((c) => c.n), lines: sorted.map(describeCandidate) };
}

function compareCandidates(a: CandidateResult, b: CandidateResult): number {
  return (
    tier(b) - tier(a) ||
    passScore(b) - passScore(a) ||
    fixedCount(b) - fixedCount(a) ||
    newlyFailingCount(a) - newlyFailingCount(b) ||
    diffSize(a) - diffSize(b) ||
    (b.confidence ?? -1) - (a.confidence ?? -1) ||
    a.n - b.n
  );
}

function tier(c: CandidateResult): number {
  if (c.status === "failed") return 0;
  return diffSize(c) > 0 || c.patchStats.files > 0 ? 2 : 1;
}

/** All pass (2) over no checks ran (1) over some failing (0). */
function passScore(c: CandidateResult): number {
  if (c.checks.passed === true) return 2;
  return c.checks.passed === null ? 1 : 0;
}

function fixedCount(c: CandidateResult): number {
  return c.checks.fixed?.length ?? 0;
}

function newlyFailingCount(c: CandidateResult): number {
  return c.checks.newlyFailing?.length ?? c.checks.regressions.length;
}

function diffSize(c: CandidateResult): number {
  return c.patchStats.insertions + c.patchStats.deletions;
}

/** "2: all checks pass, 1 fixed, 0 newly failing, +4 −1, confidence 80". */
export function describeCandidate(c: CandidateResult): string {
  if (c.status === "failed") return `${c.n}: failed (${c.error?.code ?? "error"})`;
  const checks =
    c.checks.passed === true ? "all checks pass" : c.checks.passed === null ? "no checks ran" : "checks fail";
  const parts = [
    checks,
    `${fixedCount(c)} fixed`,
    `${newlyFailingCount(c)} newly failing`,
    diffSize(c) > 0 || c.patchStats.files > 0 ? `+${c.patchStats.insertions} −${c.patchStats.deletions}` : "no change",
  ];
  if (c.confidence !== null) parts.push(`confidence ${c.confidence}`);
  return `${c.n}: ${parts.join(", ")}`;
}

/** The confidence a model stated in its final message (`Confidence: 80`, `confidence 0.8`, `80%`), 0–100. */
export function statedConfidence(summary: string | null): number | null {
  const match = summary?.match(/confidence\s*[:=-]?\s*(\d{1,3}(?:\.\d+)?)\s*(%)?/i);
  if (!match) return null;
  const value = Number(match[1]);
  const percent = match[2] === "%" || value > 1 ? value : value * 100;
  return percent >= 0 && percent <= 100 ? Math.round(percent) : null;
}
