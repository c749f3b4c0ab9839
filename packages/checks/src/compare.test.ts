import type { CheckRun } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { compareChecks } from "./compare.js";

function run(kind: "test" | "lint", passed: boolean, extra: Partial<CheckRun> = {}): CheckRun {
  return {
    kind,
    command: kind === "test" ? "npm test" : "npm run lint",
    source: "detected",
    exitCode: passed ? 0 : 1,
    passed,
    status: passed ? "passed" : "failed",
    timedOut: false,
    durationMs: 10,
    outputTail: "",
    ...extra,
  };
}

const counts = (failed: number) => ({ passed: 3, failed, skipped: 0 });

describe("compareChecks", () => {
  it("passes when every after-run passed", () => {
    const result = compareChecks([run("test", false)], [run("test", true), run("lint", true)]);
    expect(result.passed).toBe(true);
    expect(result.regressions).toEqual([]);
  });

  it("says no checks ran (null) without after-runs", () => {
    expect(compareChecks([run("test", true)], []).passed).toBeNull();
    expect(compareChecks([], []).passed).toBeNull();
  });

  it("leaves out a command unavailable before and after: not failing, and null when nothing else ran", () => {
    const missing = { status: "unavailable" as const, exitCode: 127, reason: "sh: 1: eslint: not found" };
    const before = [run("test", false), run("lint", false, missing)];
    expect(compareChecks(before, [run("test", true), run("lint", false, missing)])).toMatchObject({
      passed: true,
      regressions: [],
    });
    expect(compareChecks([run("lint", false, missing)], [run("lint", false, missing)]).passed).toBeNull();
  });

  it("counts a command that ran in the baseline and is unavailable after as failing", () => {
    const gone = run("lint", false, { status: "unavailable", exitCode: 127 });
    expect(compareChecks([run("lint", true)], [gone])).toMatchObject({ passed: false, regressions: ["lint"] });
  });

  it("does not call tests fixed when the after-run stopped early (bail out, plan not reached)", () => {
    const before = run("test", false, { failedTests: ["a"], counts: counts(1) });
    const bailed = run("test", false, { failedTests: [], counts: counts(0), incomplete: "bailed out" });
    expect(compareChecks([before], [bailed]).fixed).toEqual([]);
  });

  it("names kinds that passed before and fail after", () => {
    const result = compareChecks([run("test", true), run("lint", true)], [run("test", false), run("lint", true)]);
    expect(result).toMatchObject({ passed: false, regressions: ["test"] });
  });

  it("does not call an already failing kind a regression", () => {
    expect(compareChecks([run("lint", false)], [run("lint", false)]).regressions).toEqual([]);
  });

  it("lists fixed, still failing and newly failing tests", () => {
    const before = run("test", false, { failedTests: ["a", "b", "c"], counts: counts(3) });
    const after = run("test", false, { failedTests: ["b", "d"], counts: counts(2) });
    expect(compareChecks([before], [after])).toMatchObject({
      fixed: ["a", "c"],
      stillFailing: ["b"],
      newlyFailing: ["d"],
    });
  });

  it("calls every earlier failure fixed when the after-run passes with counts", () => {
    const before = run("test", false, { failedTests: ["a"], counts: counts(1) });
    const after = run("test", true, { failedTests: [], counts: counts(0) });
    expect(compareChecks([before], [after])).toMatchObject({ passed: true, fixed: ["a"], stillFailing: [] });
  });

  it("does not call tests fixed when the after-run timed out or was not understood", () => {
    const before = run("test", false, { failedTests: ["a"], counts: counts(1) });
    const timedOut = run("test", false, { failedTests: [], counts: counts(0), timedOut: true, exitCode: null });
    expect(compareChecks([before], [timedOut]).fixed).toEqual([]);
    const unparsed = run("test", false);
    expect(compareChecks([before], [unparsed])).not.toHaveProperty("fixed");
  });

  it("omits test changes when the baseline named no failures", () => {
    const result = compareChecks([run("test", false)], [run("test", true, { failedTests: [], counts: counts(0) })]);
    expect(result).not.toHaveProperty("fixed");
    expect(result).not.toHaveProperty("stillFailing");
  });
});
