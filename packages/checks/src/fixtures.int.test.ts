import { randomBytes } from "node:crypto";
import path from "node:path";
import type { CheckRun } from "@patchbay/core";
import { DockerSandboxProvider, type Sandbox, tarDirectory } from "@patchbay/sandbox";
import { afterAll, describe, expect, it } from "vitest";
import { compareChecks } from "./compare.js";
import { type ChecksPlan, planChecks } from "./plan.js";
import { runChecks } from "./run.js";

// The fixture repositories run for real in the sandbox image, with no network, as jobs do.
const FIXTURES = path.resolve(import.meta.dirname, "../../testkit/fixtures/repos");
const jobId = `test-checks-fixtures-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  killGraceMs: 500,
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  expect((await provider.list()).filter((c) => c.jobId === jobId)).toEqual([]);
});

async function sandboxWith(fixture: string): Promise<Sandbox> {
  const sandbox = await provider.create({ jobId });
  await sandbox.putTar(tarDirectory(path.join(FIXTURES, fixture)));
  return sandbox;
}

async function setUp(sandbox: Sandbox, plan: ChecksPlan): Promise<void> {
  for (const command of plan.setup.commands) {
    const result = await sandbox.exec(command, { timeoutMs: 60_000 });
    expect(result.exitCode, result.stderr).toBe(0);
  }
}

const run = (sandbox: Sandbox, plan: ChecksPlan, stage: "baseline" | "after"): Promise<CheckRun[]> =>
  runChecks(sandbox, plan.commands, { stage, emit: () => {}, timeoutMs: 60_000 });

async function edit(sandbox: Sandbox, file: string, from: string, to: string): Promise<void> {
  const text = (await sandbox.readFile(file))!.toString("utf8");
  expect(text).toContain(from);
  await sandbox.writeFile(file, text.replace(from, to));
}

describe("fixture repositories in a real sandbox", () => {
  it("node:test (detected npm test): counts, the failing name, fixed and newly failing", async () => {
    const sandbox = await sandboxWith("node-test");
    const plan = await planChecks(sandbox, {});
    expect(plan.commands).toEqual([
      { kind: "test", command: "npm test", source: "detected", detectedFrom: "package.json scripts.test" },
    ]);
    const before = await run(sandbox, plan, "baseline");
    expect(before[0]).toMatchObject({
      exitCode: 1,
      passed: false,
      counts: { passed: 2, failed: 1, skipped: 1 },
      failedTests: ["math > subtracts"],
    });
    expect(before[0]!.report).toMatch(/^output:/);
    await edit(sandbox, "src/math.js", "return b - a;", "return a - b;");
    await edit(sandbox, "src/math.js", "return a * b;", "return a * b + 1;");
    const after = await run(sandbox, plan, "after");
    expect(after[0]).toMatchObject({
      counts: { passed: 2, failed: 1, skipped: 1 },
      failedTests: ["math > multiplies"],
    });
    expect(compareChecks(before, after)).toMatchObject({
      passed: false,
      regressions: [],
      fixed: ["math > subtracts"],
      stillFailing: [],
      newlyFailing: ["math > multiplies"],
    });
    await sandbox.destroy();
  });

  it("Python unittest (detected): all pass at the base; a break is a regression naming the test", async () => {
    const sandbox = await sandboxWith("python-unittest");
    const plan = await planChecks(sandbox, {});
    expect(plan.commands[0]).toMatchObject({
      command: "python3 -m unittest discover -s tests -t . -v",
      source: "detected",
      detectedFrom: "unittest (tests/)",
    });
    const before = await run(sandbox, plan, "baseline");
    expect(before[0]).toMatchObject({ passed: true, counts: { passed: 4, failed: 0, skipped: 1 }, failedTests: [] });
    await edit(sandbox, "calc.py", "return a / b", "return a // b + 1");
    const after = await run(sandbox, plan, "after");
    expect(after[0]).toMatchObject({
      passed: false,
      counts: { passed: 3, failed: 1, skipped: 1 },
      failedTests: ["tests.test_calc.CalcTest.test_div"],
    });
    expect(compareChecks(before, after)).toMatchObject({
      passed: false,
      regressions: ["test"],
      fixed: [],
      newlyFailing: ["tests.test_calc.CalcTest.test_div"],
    });
    await sandbox.destroy();
  });

  it("JUnit XML from node --test's junit reporter: read from a common location, stale reports ignored", async () => {
    const sandbox = await sandboxWith("node-junit");
    const plan = await planChecks(sandbox, {});
    const before = await run(sandbox, plan, "baseline");
    expect(before[0]).toMatchObject({
      passed: false,
      counts: { passed: 2, failed: 1, skipped: 0 },
      failedTests: ["test.squeeze"],
      report: "junit:junit.xml",
    });
    await edit(sandbox, "src/strings.js", "replace(/\\s+/, ", "replace(/\\s+/g, ");
    const after = await run(sandbox, plan, "after");
    expect(after[0]).toMatchObject({ passed: true, counts: { passed: 3, failed: 0, skipped: 0 }, failedTests: [] });
    expect(compareChecks(before, after)).toMatchObject({ passed: true, fixed: ["test.squeeze"], regressions: [] });

    // A command that writes no report gets no counts from the one the last run left behind.
    const stale = await runChecks(sandbox, [{ ...plan.commands[0]!, command: "echo no tests here" }], {
      stage: "after",
      emit: () => {},
      timeoutMs: 60_000,
    });
    expect(stale[0]).not.toHaveProperty("counts");
    await sandbox.destroy();
  });

  it(".patchbay.yml: its setup, test, lint, protection and timeouts win over detection", async () => {
    const sandbox = await sandboxWith("patchbay-yml");
    const plan = await planChecks(sandbox, {});
    expect(plan.setup).toMatchObject({ source: "config", timeoutMs: 60_000 });
    expect(plan.commands).toEqual([
      { kind: "test", command: 'node --test "checks/*.test.js"', source: "config", timeoutMs: 120_000 },
      { kind: "lint", command: "node scripts/lint.js src", source: "config", timeoutMs: 60_000 },
    ]);
    expect(plan).toMatchObject({ protectTests: true, testGlobs: ["checks/**"] });
    await setUp(sandbox, plan);
    const before = await run(sandbox, plan, "baseline");
    expect(before.map((r) => [r.kind, r.passed])).toEqual([
      ["test", false],
      ["lint", true],
    ]);
    expect(before[0]).toMatchObject({ counts: { passed: 1, failed: 1, skipped: 0 }, failedTests: ["farewell"] });
    await edit(sandbox, "src/greet.js", 'return "Goodbye!";', "var n = name;\n  return 'Goodbye, ' + n + '!';");
    const after = await run(sandbox, plan, "after");
    expect(after[1]!.outputTail).toContain("src/greet.js:9: use let or const instead of var");
    expect(compareChecks(before, after)).toMatchObject({ passed: false, regressions: ["lint"], fixed: ["farewell"] });

    // The JobSpec wins over the file, kind by kind.
    const fromJob = await planChecks(sandbox, { setup: [], checks: { lint: "true", protectTests: false } });
    expect(fromJob.setup).toMatchObject({ commands: [], source: "job" });
    expect(fromJob.commands.map((c) => [c.kind, c.source])).toEqual([
      ["test", "config"],
      ["lint", "job"],
    ]);
    expect(fromJob.protectTests).toBe(false);
    await sandbox.destroy();
  });
});
