import { describe, expect, it } from "vitest";
import { parseCargoTest } from "./cargo-test.js";
import { fixture } from "./test-fixtures.js";

describe("parseCargoTest", () => {
  it("reads the first failing binary (cargo stops there by default)", () => {
    expect(parseCargoTest(fixture("cargo-test-fail.txt"))).toEqual({
      format: "cargo-test",
      counts: { passed: 2, failed: 1, skipped: 1 },
      failedTests: ["tests::subtracts"],
    });
  });

  it("adds up unit, integration and doc-test binaries", () => {
    expect(parseCargoTest(fixture("cargo-test-no-fail-fast.txt"))).toEqual({
      format: "cargo-test",
      counts: { passed: 4, failed: 2, skipped: 1 },
      failedTests: ["tests::subtracts", "integration_bad"],
    });
  });

  it("reads a passing run", () => {
    expect(parseCargoTest(fixture("cargo-test-pass.txt"))).toEqual({
      format: "cargo-test",
      counts: { passed: 6, failed: 0, skipped: 1 },
      failedTests: [],
    });
  });

  it("returns undefined for a compile error (no test result lines)", () => {
    const text =
      "   Compiling calc v0.1.0\nerror[E0425]: cannot find value `x` in this scope\nerror: could not compile `calc`\n";
    expect(parseCargoTest(text)).toBeUndefined();
  });
});
