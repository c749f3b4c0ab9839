import { describe, expect, it } from "vitest";
import { parseJest } from "./jest.js";
import { fixture } from "./test-fixtures.js";

describe("parseJest", () => {
  it("reads a failing run: suite › test headings and a suite that failed to load", () => {
    expect(parseJest(fixture("jest-fail.txt"))).toEqual({
      format: "jest",
      counts: { passed: 4, failed: 2, skipped: 2 },
      failedTests: [
        "src/cart.test.js > Cart > adds an item",
        "src/cart.test.js > Cart > totals > applies discounts",
        "src/broken.test.js",
      ],
    });
  });

  it("reads a passing run", () => {
    expect(parseJest(fixture("jest-pass.txt"))).toEqual({
      format: "jest",
      counts: { passed: 7, failed: 0, skipped: 0 },
      failedTests: [],
    });
  });

  it("reads coloured file headings and the recap without duplicates", () => {
    const recap =
      " FAIL  src/a.test.js (5.2 s)\n  ● a › b\n\nSummary of all failing tests\n FAIL  src/a.test.js (5.2 s)\n  ● a › b\n";
    const text = `${recap}\nTests:       1 failed, 1 total\n`;
    expect(parseJest(text)?.failedTests).toEqual(["src/a.test.js > a > b"]);
  });

  it("does not claim vitest output", () => {
    expect(parseJest(fixture("vitest-fail.txt"))).toBeUndefined();
  });
});
