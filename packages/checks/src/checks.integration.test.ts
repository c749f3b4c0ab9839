import type { NewEvent } from "@patchbay/core";
import { afterEach, describe, expect, it } from "vitest";
import { compareChecks } from "./compare.js";
import { detectChecks } from "./detect.js";
import { resolveChecks } from "./resolve.js";
import { runChecks } from "./run.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";

const PACKAGE_JSON = JSON.stringify({ name: "demo", version: "1.0.0", scripts: { test: "node --test" } });
const FAILING_TEST = `
const test = require("node:test");
const assert = require("node:assert");
test("adds", () => assert.strictEqual(1 + 1, 2));
test("subtracts", () => assert.strictEqual(3 - 1, 1));
`;

let workspace: LocalWorkspace | undefined;
afterEach(async () => workspace?.dispose());

describe("detect + run on a real repository", () => {
  it("finds npm test, runs node:test and names the failing test; the fix shows as fixed", async () => {
    workspace = await LocalWorkspace.create({ "package.json": PACKAGE_JSON, "test/math.test.js": FAILING_TEST });
    const detected = await detectChecks(workspace);
    expect(detected).toEqual({
      setup: [],
      setupReasons: ["package.json declares no dependencies or workspaces → no install"],
      test: { command: "npm test", source: "package.json scripts.test" },
    });
    const commands = resolveChecks(undefined, detected);

    const events: NewEvent[] = [];
    const options = { emit: (e: NewEvent) => events.push(e), timeoutMs: 60_000 };
    const before = await runChecks(workspace, commands, { ...options, stage: "baseline" });
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({
      kind: "test",
      command: "npm test",
      source: "detected",
      detectedFrom: "package.json scripts.test",
      exitCode: 1,
      passed: false,
      timedOut: false,
      counts: { passed: 1, failed: 1, skipped: 0 },
      failedTests: ["subtracts"],
    });
    expect(before[0]!.outputTail).toContain("# fail 1");
    const check = events.find((e) => e.type === "check");
    expect(check?.data).toMatchObject({
      stage: "baseline",
      kind: "test",
      exitCode: 1,
      passed: false,
      failedTests: ["subtracts"],
    });
    const logged = events.flatMap((e) => (e.type === "log" ? [e.data] : []));
    expect(logged.every((d) => d.source === "checks" && d.phase === "baseline")).toBe(true);
    expect(logged.map((d) => d.text).join("")).toContain("not ok 2 - subtracts");

    await workspace.writeFile("test/math.test.js", FAILING_TEST.replace("3 - 1, 1", "3 - 1, 2"));
    const after = await runChecks(workspace, commands, { ...options, stage: "after" });
    expect(after[0]).toMatchObject({ exitCode: 0, passed: true, counts: { passed: 2, failed: 0, skipped: 0 } });
    expect(compareChecks(before, after)).toMatchObject({ passed: true, regressions: [], fixed: ["subtracts"] });
  });
});

const UNITTEST = `import unittest

class Calc(unittest.TestCase):
    def test_add(self):
        self.assertEqual(1 + 1, 2)

    def test_sub(self):
        self.assertEqual(3 - 1, 1)
`;

describe("detect + run on a real Python repository", () => {
  it("finds unittest in tests/ and names the failing test", async () => {
    workspace = await LocalWorkspace.create({ "tests/test_calc.py": UNITTEST, "calc.py": "" });
    const detected = await detectChecks(workspace);
    expect(detected.test).toEqual({ command: "python3 -m unittest discover -s tests -v", source: "unittest (tests/)" });
    const [run] = await runChecks(workspace, resolveChecks(undefined, detected), {
      stage: "baseline",
      emit: () => {},
      timeoutMs: 60_000,
    });
    expect(run).toMatchObject({
      exitCode: 1,
      passed: false,
      counts: { passed: 1, failed: 1, skipped: 0 },
      failedTests: ["test_calc.Calc.test_sub"],
    });
  });
});
