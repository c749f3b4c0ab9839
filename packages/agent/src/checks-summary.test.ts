import type { CheckRun } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { summarizeChecks } from "./checks-summary.js";

const run = (kind: "test" | "lint", status: CheckRun["status"], extra: Partial<CheckRun> = {}): CheckRun => ({
  kind,
  command: kind === "test" ? "npm test" : "npm run lint",
  source: "detected",
  exitCode: status === "passed" ? 0 : status === "failed" ? 1 : 127,
  passed: status === "passed",
  status,
  timedOut: false,
  durationMs: 1,
  outputTail: "",
  ...extra,
});

describe("summarizeChecks (what run_checks tells the model)", () => {
  it("does not hold a command that is not installed against the checks, and says why it did not run", () => {
    const lint = run("lint", "unavailable", { reason: "sh: 1: eslint: not found" });
    const summary = JSON.parse(summarizeChecks([run("test", "passed"), lint]));
    expect(summary.passed).toBe(true);
    expect(summary.runs[1]).toMatchObject({ kind: "lint", unavailable: "sh: 1: eslint: not found" });
  });

  it("fails when a check that ran fails", () => {
    expect(JSON.parse(summarizeChecks([run("test", "failed"), run("lint", "passed")])).passed).toBe(false);
  });
});
