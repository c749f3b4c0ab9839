import { randomBytes } from "node:crypto";
import type { NewEvent } from "@patchbay/core";
import { DockerSandboxProvider } from "@patchbay/sandbox";
import { afterAll, describe, expect, it } from "vitest";
import { compareChecks } from "./compare.js";
import { runChecks } from "./run.js";
import type { CheckCommand } from "./types.js";

const jobId = `test-checks-unavailable-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 256, pidsLimit: 128, workspaceMb: 64, tmpMb: 32, homeMb: 32 },
  killGraceMs: 500,
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  expect((await provider.list()).filter((c) => c.jobId === jobId)).toEqual([]);
});

describe("a lint whose tool is not installed, in a real sandbox", () => {
  it("is unavailable before, not run again after, and the job's checks pass on the tests alone", async () => {
    const sandbox = await provider.create({ jobId });
    await sandbox.writeFile("package.json", JSON.stringify({ scripts: { test: "node -e 0", lint: "eslint ." } }));
    const commands: CheckCommand[] = [
      { kind: "test", command: "npm test", source: "detected" },
      { kind: "lint", command: "npm run lint", source: "detected", detectedFrom: "package.json scripts.lint" },
    ];
    const events: NewEvent[] = [];
    const options = { emit: (e: NewEvent) => events.push(e), timeoutMs: 60_000 };
    const before = await runChecks(sandbox, commands, { ...options, stage: "baseline" });
    expect(before.map((r) => r.status)).toEqual(["passed", "unavailable"]);
    expect(before[1]).toMatchObject({ exitCode: 127, passed: false });
    expect(before[1]!.reason).toMatch(/eslint: not found/);
    const lintLogs = () => events.filter((e) => e.type === "log" && e.data.text.includes("$ npm run lint")).length;
    const after = await runChecks(sandbox, commands, { ...options, stage: "after", baseline: before });
    expect(lintLogs()).toBe(1);
    expect(after[1]).toMatchObject({ status: "unavailable", exitCode: null });
    expect(compareChecks(before, after)).toMatchObject({ passed: true, regressions: [] });
  });
});
