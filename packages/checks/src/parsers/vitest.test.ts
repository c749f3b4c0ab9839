import { describe, expect, it } from "vitest";
import { parseTestOutput } from "./index.js";
import { fixture } from "./test-fixtures.js";
import { parseVitest } from "./vitest.js";

describe("parseVitest", () => {
  it("reads a failing run with nested describes", () => {
    expect(parseVitest(fixture("vitest-fail.txt"))).toEqual({
      format: "vitest",
      counts: { passed: 3, failed: 2, skipped: 2 },
      failedTests: ["src/math.test.js > math > subtracts", "src/math.test.js > math > nested > divides"],
    });
  });

  it("reads coloured output once the escapes are stripped", () => {
    expect(parseTestOutput(fixture("vitest-fail-color.txt"))).toEqual(parseVitest(fixture("vitest-fail.txt")));
  });

  it("names a test file that failed to load", () => {
    expect(parseVitest(fixture("vitest-suite-error.txt"))?.failedTests).toEqual([
      "src/boom.test.js",
      "src/math.test.js > math > subtracts",
      "src/math.test.js > math > nested > divides",
    ]);
  });

  it("reads a passing run", () => {
    expect(parseVitest(fixture("vitest-pass.txt"))).toEqual({
      format: "vitest",
      counts: { passed: 1, failed: 0, skipped: 1 },
      failedTests: [],
    });
  });

  it("does not claim jest output", () => {
    expect(parseVitest(fixture("jest-fail.txt"))).toBeUndefined();
  });
});
