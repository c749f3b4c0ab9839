import { describe, expect, it } from "vitest";
import { parseMocha } from "./mocha.js";
import { fixture } from "./test-fixtures.js";

describe("parseMocha", () => {
  it("reads a failing run with nested suites and a hook failure", () => {
    expect(parseMocha(fixture("mocha-fail.txt"))).toEqual({
      format: "mocha",
      counts: { passed: 3, failed: 3, skipped: 1 },
      failedTests: [
        "tokenize > handles escapes",
        "tokenize > numbers > reads floats",
        'parse > "before each" hook for "builds a tree"',
      ],
    });
  });

  it("reads a passing run", () => {
    expect(parseMocha(fixture("mocha-pass.txt"))).toEqual({
      format: "mocha",
      counts: { passed: 2, failed: 0, skipped: 0 },
      failedTests: [],
    });
  });

  it("does not claim other output", () => {
    expect(parseMocha(fixture("jest-fail.txt"))).toBeUndefined();
  });
});
