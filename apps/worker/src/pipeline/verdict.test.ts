import type { CheckRun, JobResult } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { verdict } from "./protect-tests.js";

function run(kind: "test" | "lint", status: CheckRun["status"], reason?: string): CheckRun {
  return {
    kind,
    command: kind === "test" ? "npm test" : "npm run lint",
    source: "detected",
    exitCode: status === "passed" ? 0 : status === "failed" ? 1 : 127,
    passed: status === "passed",
    status,
    ...(reason ? { reason } : {}),
    timedOut: false,
    durationMs: 1,
    outputTail: "",
  };
}

function result(checks: Partial<JobResult["checks"]>): JobResult {
  return {
    summary: null,
    patchStats: { files: 0, insertions: 0, deletions: 0 },
    checks: { before: [], after: [], passed: null, regressions: [], ...checks },
    usage: {
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      reasoningTokens: 0,
      turns: 0,
      estimatedCostUsd: null,
    },
    model: "m",
    baseCommit: null,
  };
}

describe("verdict", () => {
  it('says "no checks ran" when none ran, not that checks do not pass', () => {
    expect(verdict(result({ passed: null }))).toBe("agent finished; no checks ran");
  });

  it("names a check that is not installed, with the shell's reason", () => {
    const lint = run("lint", "unavailable", "sh: 1: eslint: not found");
    const text = verdict(
      result({ passed: true, before: [run("test", "failed"), lint], after: [run("test", "passed")] }),
    );
    expect(text).toBe("agent finished; checks pass; unavailable: lint (sh: 1: eslint: not found)");
  });

  it("still says when checks do not pass", () => {
    const text = verdict(result({ passed: false, regressions: ["test"], newlyFailing: ["a"] }));
    expect(text).toBe("agent finished; checks do not pass; regressions: test; newly failing tests: 1");
  });
});
