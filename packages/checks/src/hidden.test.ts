import { describe, expect, it } from "vitest";
import { judgeHidden } from "./hidden.js";
import type { ListedOutcome, TestOutcomes } from "./parsers/outcomes.js";

const ran = (tests: Record<string, ListedOutcome>, exitCode = 1): { outcomes: TestOutcomes; exitCode: number } => ({
  outcomes: { format: "pytest", tests: new Map(Object.entries(tests)) },
  exitCode,
});
const spec = { failToPass: ["t::fixed"], passToPass: ["t::kept", "t::other"] };

describe("judgeHidden", () => {
  it("is resolved when every fail-to-pass and pass-to-pass test passed, whatever the exit code", () => {
    const result = judgeHidden(
      spec,
      ran({ "t::fixed": "passed", "t::kept": "passed", "t::other": "passed", "t::x": "failed" }),
    );
    expect(result).toEqual({
      resolved: true,
      tests: [
        { name: "t::fixed", outcome: "passed" },
        { name: "t::kept", outcome: "passed" },
        { name: "t::other", outcome: "passed" },
      ],
      failToPass: { passed: ["t::fixed"], failed: [] },
      passToPass: { passed: ["t::kept", "t::other"], failed: [] },
    });
  });

  it("is not resolved when a fail-to-pass test still fails", () => {
    const result = judgeHidden(spec, ran({ "t::fixed": "failed", "t::kept": "passed", "t::other": "passed" }));
    expect(result.resolved).toBe(false);
    expect(result.failToPass).toEqual({ passed: [], failed: ["t::fixed"] });
  });

  it("is not resolved when a pass-to-pass test broke", () => {
    const result = judgeHidden(spec, ran({ "t::fixed": "passed", "t::kept": "failed", "t::other": "passed" }, 0));
    expect(result.resolved).toBe(false);
    expect(result.passToPass).toEqual({ passed: ["t::other"], failed: ["t::kept"] });
  });

  it("counts a named test the output never reported as missing, and a skipped one as not passing", () => {
    const result = judgeHidden(spec, ran({ "t::fixed": "passed", "t::kept": "skipped" }, 0));
    expect(result.resolved).toBe(false);
    expect(result.tests).toEqual([
      { name: "t::fixed", outcome: "passed" },
      { name: "t::kept", outcome: "skipped" },
      { name: "t::other", outcome: "missing" },
    ]);
    expect(result.passToPass.failed).toEqual(["t::kept", "t::other"]);
  });

  it("is never resolved with an error, and names every test missing when the tests did not run", () => {
    const passing = ran({ "t::fixed": "passed", "t::kept": "passed", "t::other": "passed" }, 0);
    expect(judgeHidden(spec, { ...passing, error: "timed out" }).resolved).toBe(false);
    const none = judgeHidden(spec, {
      outcomes: undefined,
      exitCode: null,
      error: "the hidden test patch did not apply",
    });
    expect(none.tests.map((t) => t.outcome)).toEqual(["missing", "missing", "missing"]);
    expect(none.failToPass.failed).toEqual(["t::fixed"]);
  });

  it("without named tests: resolved by the exit code, and every reported test listed", () => {
    expect(judgeHidden({}, ran({ a: "passed", b: "skipped" }, 0))).toMatchObject({
      resolved: true,
      tests: [
        { name: "a", outcome: "passed" },
        { name: "b", outcome: "skipped" },
      ],
    });
    expect(judgeHidden({}, ran({ a: "failed" }, 1)).resolved).toBe(false);
  });
});
