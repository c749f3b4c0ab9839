import { describe, expect, it } from "vitest";
import { parsePytest } from "./pytest.js";
import { fixture } from "./test-fixtures.js";

const CALC_FAILURES = ["tests/test_calc.py::CalcTest::test_div", "tests/test_calc.py::CalcTest::test_sub"];

describe("parsePytest", () => {
  it("reads -q output", () => {
    expect(parsePytest(fixture("pytest-q-fail.txt"))).toEqual({
      format: "pytest",
      counts: { passed: 3, failed: 2, skipped: 2 },
      failedTests: CALC_FAILURES,
    });
  });

  it("reads -v output with the ==== framed summary", () => {
    expect(parsePytest(fixture("pytest-verbose-fail.txt"))).toEqual({
      format: "pytest",
      counts: { passed: 3, failed: 2, skipped: 2 },
      failedTests: CALC_FAILURES,
    });
  });

  it("counts setup errors as failures and xfail as skipped", () => {
    expect(parsePytest(fixture("pytest-errors-xfail.txt"))).toEqual({
      format: "pytest",
      counts: { passed: 2, failed: 3, skipped: 1 },
      failedTests: [
        "tests/test_funcs.py::test_two",
        "tests/test_funcs.py::test_param[2]",
        "tests/test_funcs.py::test_uses_broken",
      ],
    });
  });

  it("names a module that failed to collect", () => {
    expect(parsePytest(fixture("pytest-collection-error.txt"))).toEqual({
      format: "pytest",
      counts: { passed: 0, failed: 1, skipped: 0 },
      failedTests: ["tests/test_bad.py"],
    });
  });

  it("reads passing and empty runs", () => {
    expect(parsePytest(fixture("pytest-pass.txt"))?.counts).toEqual({ passed: 1, failed: 0, skipped: 1 });
    expect(parsePytest(fixture("pytest-no-tests.txt"))?.counts).toEqual({ passed: 0, failed: 0, skipped: 0 });
  });

  it("does not claim unittest output", () => {
    expect(parsePytest(fixture("unittest-verbose-fail.txt"))).toBeUndefined();
  });
});

describe("parsePytest on pytest 9 subtests", () => {
  it("accepts extra summary items and names failing subtests with their parameters", () => {
    expect(parsePytest(fixture("pytest9-subtests.txt"))).toEqual({
      format: "pytest",
      counts: { passed: 5, failed: 4, skipped: 3 },
      failedTests: [
        "t2/test_more.py::More::test_sub (i=2)",
        "t2/test_more.py::More::test_surprise",
        "tests/test_calc.py::CalcTest::test_div",
        "tests/test_calc.py::CalcTest::test_sub",
      ],
    });
  });

  it("does not take a sentence that merely ends in a duration for a summary", () => {
    expect(parsePytest("downloaded 3 files in 0.5s\n")).toBeUndefined();
  });
});
