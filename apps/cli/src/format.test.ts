import { describe, expect, it } from "vitest";
import type { JobView } from "./api-client.js";
import { EXIT_NO_CHECKS_RAN, exitCodeFor, formatEvent, formatSummary } from "./format.js";

const job = (status: string, passed: boolean | null, kind?: string): JobView =>
  ({
    id: "j",
    status,
    phase: null,
    model: "m",
    error: null,
    spec: kind ? { kind } : {},
    result: { checks: { passed } },
  }) as unknown as JobView;

describe("exitCodeFor (what CI scripts branch on)", () => {
  it("is 0 only for a job that succeeded with passing checks", () => {
    expect(exitCodeFor(job("succeeded", true))).toBe(0);
    expect(exitCodeFor(job("succeeded", false))).toBe(1);
    expect(exitCodeFor(job("failed", true))).toBe(1);
  });
  it("is 2 for error, cancel and time-out", () => {
    for (const s of ["error", "cancelled", "timed_out"]) expect(exitCodeFor(job(s, true))).toBe(2);
  });
  it("is 0 for an answered ask job, which runs no checks", () => {
    expect(exitCodeFor(job("succeeded", false, "ask"))).toBe(0);
  });
});

describe("exitCodeFor when no checks ran", () => {
  it("is 4, apart from passing (0) and failing (1) checks", () => {
    expect(EXIT_NO_CHECKS_RAN).toBe(4);
    expect(exitCodeFor(job("succeeded", null))).toBe(4);
    expect(exitCodeFor(job("failed", null))).toBe(1);
  });
});

const run = (kind: string, command: string, extra: Record<string, unknown>) => ({
  kind,
  command,
  passed: false,
  exitCode: 1,
  ...extra,
});

function finished(checks: Record<string, unknown>): JobView {
  return {
    id: "j1",
    status: "succeeded",
    phase: "finalize",
    model: "m",
    error: null,
    result: {
      summary: "fixed the parser",
      patchStats: { files: 1, insertions: 2, deletions: 1 },
      checks: { passed: false, regressions: [], before: [], after: [], ...checks },
      usage: { inputTokens: 10, outputTokens: 5, turns: 2 },
    },
  } as JobView;
}

describe("formatSummary", () => {
  it("names fixed and newly failing tests", () => {
    const text = formatSummary(
      finished({
        passed: false,
        before: [run("test", "npm test", { counts: { passed: 3, failed: 1, skipped: 0 } })],
        after: [run("test", "npm test", { counts: { passed: 3, failed: 1, skipped: 0 } })],
        fixed: ["parser > rejects an empty name"],
        newlyFailing: ["parser > keeps spaces"],
        stillFailing: [],
      }),
    );
    expect(text).toContain("fixed tests: parser > rejects an empty name");
    expect(text).toContain("newly failing tests: parser > keeps spaces");
    expect(text).toContain("checks after: test `npm test` fail (3 passed, 1 failed)");
    expect(text).toContain("checks: do not pass");
  });

  it("says no checks ran, and shows a check that is not installed as unavailable", () => {
    const lint = run("lint", "npm run lint", {
      status: "unavailable",
      reason: "sh: 1: eslint: not found",
      exitCode: 127,
    });
    const text = formatSummary(finished({ passed: null, before: [lint], after: [] }));
    expect(text).toContain("checks: no checks ran");
    expect(text).toContain("checks before: lint `npm run lint` unavailable (sh: 1: eslint: not found)");
  });

  it("shortens a long list of names", () => {
    const many = Array.from({ length: 25 }, (_, i) => `t${i}`);
    expect(formatSummary(finished({ fixed: many }))).toContain("t19 … and 5 more");
  });
});

describe("formatEvent for checks", () => {
  it("shows an unavailable check with its reason", () => {
    const line = formatEvent({
      seq: 1,
      ts: "2026-01-01T00:00:00Z",
      v: 1,
      type: "check",
      data: {
        stage: "baseline",
        kind: "lint",
        command: "npm run lint",
        exitCode: 127,
        passed: false,
        status: "unavailable",
        reason: "sh: 1: eslint: not found",
        durationMs: 3,
      },
    });
    expect(line).toBe("✓ baseline lint: `npm run lint` unavailable (sh: 1: eslint: not found)");
  });
});
