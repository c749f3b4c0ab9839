import { describe, expect, it } from "vitest";
import { fixture } from "./test-fixtures.js";
import { parseUnittest } from "./unittest.js";

const CALC = { passed: 3, failed: 2, skipped: 2 };

describe("parseUnittest", () => {
  it("reads verbose output", () => {
    expect(parseUnittest(fixture("unittest-verbose-fail.txt"))).toEqual({
      format: "unittest",
      counts: CALC,
      failedTests: ["test_calc.CalcTest.test_div", "test_calc.CalcTest.test_sub"],
    });
  });

  it("reads dotted output", () => {
    expect(parseUnittest(fixture("unittest-fail.txt"))?.counts).toEqual(CALC);
  });

  it("reads OK (skipped=1)", () => {
    expect(parseUnittest(fixture("unittest-pass.txt"))).toEqual({
      format: "unittest",
      counts: { passed: 1, failed: 0, skipped: 1 },
      failedTests: [],
    });
  });

  it("counts subtest failures, expected failures and unexpected successes", () => {
    expect(parseUnittest(fixture("unittest-subtests-xfail.txt"))).toEqual({
      format: "unittest",
      counts: { passed: 1, failed: 2, skipped: 1 },
      failedTests: ["test_more.More.test_sub", "test_more.More.test_surprise"],
    });
  });

  it("reads the pre-3.11 heading form", () => {
    const text = [
      "FAIL: test_sub (test_calc.CalcTest)",
      "-".repeat(70),
      "AssertionError: 2 != 1",
      "",
      "-".repeat(70),
      "Ran 3 tests in 0.001s",
      "",
      "FAILED (failures=1)",
    ].join("\n");
    expect(parseUnittest(text)).toEqual({
      format: "unittest",
      counts: { passed: 2, failed: 1, skipped: 0 },
      failedTests: ["test_calc.CalcTest.test_sub"],
    });
  });

  it("does not claim pytest output", () => {
    expect(parseUnittest(fixture("pytest-q-fail.txt"))).toBeUndefined();
  });
});
