import { describe, expect, it } from "vitest";
import { parseTap } from "./tap.js";
import { fixture } from "./test-fixtures.js";

describe("parseTap", () => {
  it("reads node:test's TAP reporter, naming nested failures by suite", () => {
    expect(parseTap(fixture("node-test-tap.txt"))).toEqual({
      format: "tap",
      counts: { passed: 2, failed: 2, skipped: 2 },
      failedTests: ["subtracts numbers", "suite > inner fails"],
    });
  });

  it("reads a passing run and unescapes names", () => {
    const report = parseTap(fixture("node-test-tap-pass.txt"));
    expect(report?.counts).toEqual({ passed: 2, failed: 0, skipped: 0 });
    expect(report?.failedTests).toEqual([]);
  });

  it("names a test file that failed to load, behind npm's banner", () => {
    const report = parseTap(fixture("node-test-tap-npm-load-error.txt"));
    expect(report?.counts).toEqual({ passed: 1, failed: 1, skipped: 0 });
    expect(report?.failedTests).toEqual(["/tmp/cap/node/npmproj/test/load.test.js"]);
  });

  it("counts top-level results when there are no summary comments", () => {
    const text = "TAP version 13\n1..4\nok 1 - a\nnot ok 2 - b\nok 3 - c # SKIP no db\nnot ok 4 - d # TODO later\n";
    expect(parseTap(text)).toEqual({
      format: "tap",
      counts: { passed: 1, failed: 1, skipped: 2 },
      failedTests: ["b"],
    });
  });

  it("reads tape's summary", () => {
    const text =
      "TAP version 13\n# add\nok 1 should be equal\nnot ok 2 should be equal\n\n1..2\n# tests 2\n# pass  1\n# fail  1\n";
    expect(parseTap(text)?.counts).toEqual({ passed: 1, failed: 1, skipped: 0 });
  });

  it("does not claim output that is not TAP", () => {
    expect(parseTap("all good\nok then\n")).toBeUndefined();
    expect(parseTap(fixture("pytest-q-fail.txt"))).toBeUndefined();
  });
});
