import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CliError } from "../api-client.js";
import { compareRuns, comparisonMarkdown } from "./compare.js";
import { writeReport } from "./report.js";
import { type InstanceOutcome, isFinished, RunFolder } from "./run-folder.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function outcome(id: string, resolved: boolean, extra: Partial<InstanceOutcome> = {}): InstanceOutcome {
  return {
    id,
    jobId: `job-${id}`,
    submittedAt: "2026-12-03T10:00:00.000Z",
    status: "succeeded",
    resolved,
    hidden: {
      resolved,
      failToPass: resolved ? { passed: ["t1"], failed: [] } : { passed: [], failed: ["t1"] },
      passToPass: { passed: ["t2", "t3"], failed: [] },
      exitCode: resolved ? 0 : 1,
      durationMs: 300,
    },
    durationMs: 2000,
    turns: 3,
    inputTokens: 100,
    outputTokens: 10,
    costUsd: 0.5,
    ...extra,
  };
}

/** A run folder with the given settings and outcomes. */
function run(model: string, outcomes: InstanceOutcome[]): RunFolder {
  const dir = mkdtempSync(path.join(tmpdir(), "patchbay-eval-report-"));
  dirs.push(dir);
  const folder = new RunFolder(dir);
  folder.settings({ instancesFile: "instances.json", model });
  for (const o of outcomes) folder.save(o);
  return folder;
}

describe("eval reports", () => {
  it("counts resolved instances over all of them, unfinished ones as not resolved", () => {
    const folder = run("m1", [outcome("a", true), outcome("b", false), { id: "c", jobId: "j", submittedAt: "x" }]);
    const report = writeReport(folder);
    expect(report.summary).toMatchObject({ instances: 3, finished: 2, resolved: 1, turns: 6, costUsd: 1 });
    expect(report.summary.resolvedRate).toBeCloseTo(1 / 3);
    expect(report.instances.map((r) => [r.id, r.status, r.failToPass])).toEqual([
      ["a", "succeeded", { passed: 1, total: 1 }],
      ["b", "succeeded", { passed: 0, total: 1 }],
      ["c", "running", null],
    ]);
    const md = readFileSync(path.join(folder.dir, "report.md"), "utf8");
    expect(md).toContain("**Resolved 1 of 3 (33.3%)**");
    expect(md).toContain("| a | succeeded | yes | 1/1 | 2/2 | 2.0 s | 3 | 100/10 | $0.5000 | job-a |");
    expect(JSON.parse(readFileSync(path.join(folder.dir, "report.json"), "utf8")).summary.resolved).toBe(1);
  });

  it("treats an infrastructure error as unfinished (a rerun retries it)", () => {
    expect(isFinished(outcome("a", false, { status: "error" }))).toBe(false);
    expect(isFinished(outcome("a", false, { status: "timed_out" }))).toBe(true);
    expect(isFinished({ id: "a", jobId: "j", submittedAt: "x" })).toBe(false);
  });

  it("refuses to continue a run with another model", () => {
    const folder = run("m1", []);
    expect(() => new RunFolder(folder.dir).settings({ instancesFile: "i.json", model: "m2" })).toThrow(CliError);
    expect(new RunFolder(folder.dir).settings({ instancesFile: "i.json" }).model).toBe("m1");
  });

  it("compares two runs: flips both ways, rates over the shared instances", () => {
    const a = run("m1", [outcome("x", true), outcome("y", false), outcome("z", true), outcome("only-a", true)]);
    const b = run("m2", [outcome("x", true), outcome("y", true, { costUsd: 2 }), outcome("z", false)]);
    const c = compareRuns(a.dir, b.dir);
    expect(c).toMatchObject({ shared: 3, gained: ["y"], lost: ["z"], bothResolved: ["x"], onlyInA: ["only-a"] });
    expect(c.a).toMatchObject({ model: "m1", resolved: 2, instances: 3, costUsd: 1.5 });
    expect(c.b).toMatchObject({ model: "m2", resolved: 2, instances: 3, costUsd: 3 });
    const md = comparisonMarkdown(c);
    expect(md).toContain("- Gained (resolved by B only): y");
    expect(md).toContain("- Lost (resolved by A only): z");
    expect(md).toContain("| resolved | 2/3 (66.7%) | 2/3 (66.7%) |");
  });
});
