import { describe, expect, it } from "vitest";
import { type CandidateResult, rankCandidates, statedConfidence } from "./candidates.js";
import { JobSpecSchema } from "./job-spec.js";

const USAGE = {
  inputTokens: 0,
  cachedInputTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  turns: 1,
  estimatedCostUsd: null,
};

function candidate(
  n: number,
  over: Partial<CandidateResult> & { passed?: boolean | null; fixed?: number; newly?: number; size?: number },
): CandidateResult {
  const { passed = false, fixed = 0, newly = 0, size = 2, ...rest } = over;
  return {
    n,
    status: "finished",
    summary: null,
    patchStats: { files: size > 0 ? 1 : 0, insertions: size, deletions: 0 },
    checks: {
      before: [],
      after: [],
      passed,
      regressions: [],
      fixed: Array.from({ length: fixed }, (_, i) => `t${i}`),
      newlyFailing: Array.from({ length: newly }, (_, i) => `n${i}`),
    },
    usage: USAGE,
    confidence: null,
    ...rest,
  };
}

describe("rankCandidates", () => {
  it("puts the attempt whose checks all pass first, whatever its order", () => {
    const ranking = rankCandidates([candidate(1, { passed: false }), candidate(2, { passed: true }), candidate(3, {})]);
    expect(ranking.order[0]).toBe(2);
    expect(ranking.lines[0]).toBe("2: all checks pass, 0 fixed, 0 newly failing, +2 −0");
  });

  it("then more fixed, then fewer newly failing, then the smaller diff", () => {
    expect(rankCandidates([candidate(1, { fixed: 1 }), candidate(2, { fixed: 3 })]).order).toEqual([2, 1]);
    expect(rankCandidates([candidate(1, { newly: 2 }), candidate(2, { newly: 1 })]).order).toEqual([2, 1]);
    expect(rankCandidates([candidate(1, { size: 40 }), candidate(2, { size: 3 })]).order).toEqual([2, 1]);
  });

  it("breaks a tie by stated confidence, then by attempt number", () => {
    expect(rankCandidates([candidate(1, { confidence: 40 }), candidate(2, { confidence: 90 })]).order).toEqual([2, 1]);
    expect(rankCandidates([candidate(2, {}), candidate(1, {})]).order).toEqual([1, 2]);
  });

  it("ranks a failed attempt and an empty change below any attempt with a change", () => {
    const failed = candidate(1, { status: "failed", passed: true, error: { code: "budget_exceeded", message: "x" } });
    const empty = candidate(2, { passed: true, size: 0 });
    const failing = candidate(3, { passed: false, size: 5 });
    const ranking = rankCandidates([failed, empty, failing]);
    expect(ranking.order).toEqual([3, 2, 1]);
    expect(ranking.lines).toContain("1: failed (budget_exceeded)");
    expect(ranking.lines).toContain("2: all checks pass, 0 fixed, 0 newly failing, no change");
  });
});

describe("statedConfidence", () => {
  it("reads Confidence: NN, NN% and 0.x forms, and null when absent or out of range", () => {
    expect(statedConfidence("Fixed it.\nConfidence: 85")).toBe(85);
    expect(statedConfidence("confidence 0.7")).toBe(70);
    expect(statedConfidence("Confidence - 60%")).toBe(60);
    expect(statedConfidence("done")).toBeNull();
    expect(statedConfidence("Confidence: 250")).toBeNull();
    expect(statedConfidence(null)).toBeNull();
  });
});

describe("JobSpec attempts", () => {
  const base = { repo: { url: "https://example.com/r.git" }, task: "fix it" };
  it("accepts 1 to 8 attempts on a change job", () => {
    expect(JobSpecSchema.parse({ ...base, attempts: 8 }).attempts).toBe(8);
  });

  it("refuses more than 8, a fraction, and attempts on ask/review jobs or the codex engine, saying what to fix", () => {
    const message = (spec: object) =>
      JobSpecSchema.safeParse(spec)
        .error?.issues.map((i) => i.message)
        .join("; ");
    expect(message({ ...base, attempts: 9 })).toContain("attempts may be at most 8");
    expect(message({ ...base, attempts: 1.5 })).toContain("whole number");
    expect(message({ ...base, attempts: 3, kind: "ask" })).toContain("an ask job makes no patch");
    expect(message({ ...base, attempts: 3, engine: "codex" })).toContain('runs on engine "patchbay"');
  });
});
