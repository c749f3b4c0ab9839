import { describe, expect, it } from "vitest";
import { parseNodeSpec } from "./node-spec.js";
import { fixture } from "./test-fixtures.js";

describe("parseNodeSpec", () => {
  it("reads node:test's spec reporter, ignoring the failing-tests recap", () => {
    expect(parseNodeSpec(fixture("node-test-spec.txt"))).toEqual({
      format: "node-spec",
      counts: { passed: 2, failed: 2, skipped: 2 },
      failedTests: ["subtracts numbers", "suite > inner fails"],
    });
  });

  it("reads a passing run", () => {
    expect(parseNodeSpec(fixture("node-test-spec-pass.txt"))).toEqual({
      format: "node-spec",
      counts: { passed: 2, failed: 0, skipped: 0 },
      failedTests: [],
    });
  });

  it("ignores failing todo tests", () => {
    const text = "✖ later (0.2ms) # TODO\n✖ broken (0.3ms)\nℹ tests 2\nℹ pass 0\nℹ fail 1\nℹ todo 1\n";
    expect(parseNodeSpec(text)?.failedTests).toEqual(["broken"]);
  });

  it("does not claim TAP output", () => {
    expect(parseNodeSpec(fixture("node-test-tap.txt"))).toBeUndefined();
  });
});
