import { describe, expect, it } from "vitest";
import { parseGoTest } from "./go-test.js";
import { fixture } from "./test-fixtures.js";

describe("parseGoTest", () => {
  it("reads non-verbose output: failures by package, subtests over parents, build failures", () => {
    expect(parseGoTest(fixture("go-test-fail.txt"))).toEqual({
      format: "go-test",
      counts: { passed: 0, failed: 3, skipped: 0 },
      failedTests: ["example.com/calc.TestSub", "example.com/calc.TestTable/negative", "example.com/calc/parse"],
    });
  });

  it("reads -v output with passes and skips", () => {
    expect(parseGoTest(fixture("go-test-verbose.txt"))).toEqual({
      format: "go-test",
      counts: { passed: 3, failed: 2, skipped: 1 },
      failedTests: ["example.com/calc.TestSub", "example.com/calc.TestTable/negative"],
    });
  });

  it("reads a passing run", () => {
    expect(parseGoTest(fixture("go-test-pass.txt"))).toEqual({
      format: "go-test",
      counts: { passed: 0, failed: 0, skipped: 0 },
      failedTests: [],
    });
  });

  it("does not claim TAP or jest output", () => {
    expect(parseGoTest(fixture("node-test-tap.txt"))).toBeUndefined();
    expect(parseGoTest(fixture("jest-fail.txt"))).toBeUndefined();
  });
});
