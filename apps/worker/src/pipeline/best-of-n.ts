import { compareChecks } from "@patchbay/checks";
import {
  type BestOfN,
  type CheckRun,
  eventCandidate,
  type HiddenResult,
  type JobEvent,
  type JobResult,
  rankCandidates,
  statedConfidence,
  ZERO_USAGE,
} from "@patchbay/core";
import type { CandidateRecord } from "@patchbay/db";
import type { Attempt } from "./attempts.js";
import type { CollectedPatch } from "./finalize.js";

/** What judging needs beyond the attempts. */
export interface JudgeInput {
  attempts: Attempt[];
  before: CheckRun[];
  /** The hidden checks against one attempt's patch (checks.hidden); absent when the job has none. */
  hidden?: (patch: string, attempt: Attempt) => Promise<HiddenResult>;
  /** The job's tool events, read once the buffer is flushed (for linking verification claims). */
  toolEvents: () => Promise<JobEvent[]>;
  /** The stored form of a patch (secrets redacted, flagged). */
  guardPatch: (patch: CollectedPatch) => CollectedPatch;
}

/** Every attempt as the job keeps it, and the chosen one (null when every attempt failed). */
export interface Judged {
  candidates: CandidateRecord[];
  chosen: { attempt: Attempt; hidden: HiddenResult | null; bestOfN: BestOfN } | null;
}

/**
 * Judges a best-of-N job's attempts: each finished one gets its hidden checks (never part of the
 * ranking: they stay hidden) and its linked explanation, then the checks rank them
 * (rankCandidates) and the first is the winner, unless every attempt failed.
 */
export async function judgeAttempts(input: JudgeInput): Promise<Judged> {
  const records: CandidateRecord[] = [];
  const hidden = new Map<number, HiddenResult>();
  for (const attempt of input.attempts) {
    const patch = attempt.change ? input.guardPatch(attempt.change.patch) : null;
    const ran = !attempt.error && patch && input.hidden ? await input.hidden(patch.patch, attempt) : null;
    if (ran) hidden.set(attempt.n, ran);
    records.push(await candidateRecord(attempt, patch, ran, input));
  }
  const ranking = rankCandidates(records);
  const best = records.find((r) => r.n === ranking.order[0]);
  const winner = input.attempts.find((a) => a.n === best?.n);
  if (!best || !winner || best.status === "failed") return { candidates: records, chosen: null };
  const bestOfN: BestOfN = {
    attempts: records.length,
    winner: best.n,
    selected: best.n,
    selectedBy: "checks",
    ranking: ranking.lines,
  };
  return { candidates: records, chosen: { attempt: winner, hidden: hidden.get(best.n) ?? null, bestOfN } };
}

async function candidateRecord(
  attempt: Attempt,
  patch: CollectedPatch | null,
  hidden: HiddenResult | null,
  input: JudgeInput,
): Promise<CandidateRecord> {
  const summary = attempt.agent?.summary ?? null;
  const explained = attempt.error ? {} : await attempt.explainer.link(attempt.after, () => eventsOf(attempt, input));
  return {
    n: attempt.n,
    status: attempt.error ? "failed" : "finished",
    patch: patch?.patch ?? "",
    summary,
    patchStats: patch?.stats ?? { files: 0, insertions: 0, deletions: 0 },
    checks: compareChecks(input.before, attempt.after),
    usage: attemptUsage(attempt),
    confidence: statedConfidence(summary),
    ...(hidden ? { hidden } : {}),
    ...(explained.explanation ? { explanation: explained.explanation } : {}),
    ...(explained.verification ? { verification: explained.verification } : {}),
    ...(attempt.error ? { error: { code: attempt.error.code, message: attempt.error.message } } : {}),
  };
}

/** The attempt's own tool events: its claims are linked only to what it ran. */
async function eventsOf(attempt: Attempt, input: JudgeInput): Promise<JobEvent[]> {
  return (await input.toolEvents()).filter((e) => eventCandidate(e) === attempt.n);
}

// A failed attempt's agent threw before it could report its usage: the job's total still counts it.
function attemptUsage(attempt: Attempt): JobResult["usage"] {
  const agent = attempt.agent;
  if (!agent) return { ...ZERO_USAGE, turns: 0, estimatedCostUsd: null };
  return { ...agent.usage, turns: agent.turns, estimatedCostUsd: agent.estimatedCostUsd };
}
