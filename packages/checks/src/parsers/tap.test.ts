import type { CheckRun } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { compareChecks } from "../compare.js";
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

  it("keeps the name of a test point written without the dash (mocha's tap reporter, tape)", () => {
    const text =
      "ok 11 parser accepts a name\nnot ok 12 parser rejects an empty name\n# tests 2\n# pass 1\n# fail 1\n1..2\n";
    expect(parseTap(text)?.failedTests).toEqual(["parser rejects an empty name"]);
  });

  it("lets fixed and newlyFailing name tests of dashless TAP", () => {
    const run = (text: string): CheckRun => {
      const report = parseTap(text)!;
      const failed = report.counts.failed > 0;
      return {
        kind: "test",
        command: "npm test",
        source: "detected",
        exitCode: failed ? 1 : 0,
        passed: !failed,
        status: failed ? "failed" : "passed",
        timedOut: false,
        durationMs: 1,
        outputTail: "",
        counts: report.counts,
        failedTests: report.failedTests,
      };
    };
    const before = run("not ok 1 parser rejects an empty name\nok 2 parser keeps spaces\n1..2\n");
    const after = run("ok 1 parser rejects an empty name\nnot ok 2 parser keeps spaces\n1..2\n");
    expect(compareChecks([before], [after])).toMatchObject({
      fixed: ["parser rejects an empty name"],
      newlyFailing: ["parser keeps spaces"],
    });
  });

  it("reads SKIP and TODO directives in any case; a failing TODO is not a failure", () => {
    const text = [
      "TAP version 14",
      "1..5",
      "ok 1 - works",
      "not ok 2 - flaky on CI # TODO fix the clock",
      "ok 3 # skip no database",
      "not ok 4 - needs a GPU # SKIP",
      "not ok 5 - really broken",
    ].join("\n");
    expect(parseTap(text)).toEqual({
      format: "tap",
      counts: { passed: 1, failed: 1, skipped: 3 },
      failedTests: ["really broken"],
    });
  });

  it("drops other comments from names and unescapes \\#", () => {
    const text = "TAP version 14\nnot ok 1 - issue \\# 12 is fixed # time=3.2ms\n1..1\n";
    expect(parseTap(text)?.failedTests).toEqual(["issue # 12 is fixed"]);
  });

  it("reads subtests without # Subtest: headers (TAP 14), counting leaf tests", () => {
    const text = [
      "TAP version 14",
      "    ok 1 - inner passes",
      "    not ok 2 - inner fails",
      "    1..2",
      "not ok 1 - outer",
      "ok 2 - other",
      "1..2",
    ].join("\n");
    expect(parseTap(text)).toEqual({
      format: "tap",
      counts: { passed: 2, failed: 1, skipped: 0 },
      failedTests: ["outer > inner fails"],
    });
  });

  it("names a parent that failed on its own when all its subtests passed", () => {
    const text = [
      "TAP version 14",
      "# Subtest: test/a.js",
      "    ok 1 - works",
      "    1..1",
      "not ok 1 - test/a.js # time=5ms",
      "1..1",
    ].join("\n");
    expect(parseTap(text)).toMatchObject({ counts: { passed: 1, failed: 1, skipped: 0 }, failedTests: ["test/a.js"] });
  });

  it("ignores YAML diagnostics, even lines in them that look like test points", () => {
    const text = [
      "TAP version 13",
      "not ok 1 - a",
      "  ---",
      "  output: |",
      "    ok 7 - printed by the test",
      "    not ok 8 - also printed",
      "    # Subtest: printed too",
      "  ...",
      "ok 2 - b",
      "1..2",
    ].join("\n");
    expect(parseTap(text)).toEqual({ format: "tap", counts: { passed: 1, failed: 1, skipped: 0 }, failedTests: ["a"] });
  });

  it("says a run that bailed out or fell short of its plan is incomplete", () => {
    const bailed = parseTap("TAP version 13\n1..3\nok 1 - a\nnot ok 2 - b\nBail out! database went away\n");
    expect(bailed).toMatchObject({
      counts: { passed: 1, failed: 1, skipped: 0 },
      failedTests: ["b"],
      incomplete: "bailed out: database went away",
    });
    expect(parseTap("1..4\nok 1 - a\nok 2 - b\n")?.incomplete).toBe("planned 4 tests, 2 reported");
    expect(parseTap("1..2\nok 1 - a\nok 2 - b\n")).not.toHaveProperty("incomplete");
  });

  it("keeps subtests whose parent never reported under their # Subtest: header", () => {
    const text = [
      "TAP version 13",
      "# Subtest: suite",
      "    # Subtest: passes",
      "    ok 1 - passes",
      "    # Subtest: hangs",
    ].join("\n");
    expect(parseTap(text)).toMatchObject({ counts: { passed: 1, failed: 1, skipped: 0 }, failedTests: ["suite"] });
  });
});
