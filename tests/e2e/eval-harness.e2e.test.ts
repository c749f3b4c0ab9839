import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EvalComparison } from "../../apps/cli/src/eval/compare.js";
import { loadInstances } from "../../apps/cli/src/eval/instance.js";
import type { EvalReport } from "../../apps/cli/src/eval/report.js";
import type { InstanceOutcome } from "../../apps/cli/src/eval/run-folder.js";
import { type Stack, startStack } from "./stack.js";

// The harness proof: the shipped instances (real upstream fixes) are each resolved by a trajectory
// that applies the instance's gold patch and by none that changes nothing — so a resolved count
// measures the agent, not the harness.
const ROOT = path.resolve(import.meta.dirname, "../..");
const CLI = path.join(ROOT, "apps/cli/bin/patchbay.mjs");
const INSTANCES = path.join(ROOT, "eval/instances/instances.json");
const instances = loadInstances(INSTANCES);

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
/** Applies the gold patch with the shell tool (as a model would write it), then finishes. */
const goldScript = (patch: string): ModelScript => ({
  turns: [
    {
      output: [
        {
          type: "shell_call",
          action: { commands: [`echo ${Buffer.from(patch).toString("base64")} | base64 -d | git apply -v`] },
        },
      ],
    },
    { output: [say("Applied the fix.")] },
  ],
});
/** The same with the Codex CLI's exec_command tool (engine "codex"). */
const codexGoldScript = (patch: string): ModelScript => ({
  turns: [
    {
      output: [
        {
          type: "function_call",
          name: "exec_command",
          arguments: { cmd: `echo ${Buffer.from(patch).toString("base64")} | base64 -d | git apply -v` },
        },
      ],
    },
    { output: [{ type: "message", role: "assistant", content: "Applied the fix." }] },
  ],
});
/** Two instances (two runners) for the engine comparison, where each job is slower. */
const CODEX_IDS = ["idna-encode-non-ascii-bytes", "nanoid-pool-break"];
const SCRIPTS: Record<string, ModelScript> = {
  ...Object.fromEntries(
    instances
      .filter((i) => CODEX_IDS.includes(i.id))
      .map((i) => [`codex-gold-${i.id}`, codexGoldScript(i.goldPatch ?? "")]),
  ),
  empty: { turns: [{ output: [say("I looked at it and changed nothing.")] }] },
  // Best-of-4: attempts 1, 2 and 4 change nothing; attempt 3 applies the gold patch.
  ...Object.fromEntries(
    instances
      .filter((i) => CODEX_IDS.includes(i.id))
      .flatMap((i) => [
        [`bo4-${i.id}`, { turns: [{ output: [say("I looked at it and changed nothing.")] }] }],
        [`bo4-${i.id}.candidate-3`, goldScript(i.goldPatch ?? "")],
      ]),
  ),
  ...Object.fromEntries(instances.map((i) => [`gold-${i.id}`, goldScript(i.goldPatch ?? "")])),
};

let stack: Stack;
const dirs: string[] = [];
const outDir = (name: string) => {
  const dir = mkdtempSync(path.join(tmpdir(), `patchbay-eval-e2e-${name}-`));
  dirs.push(dir);
  return path.join(dir, "run");
};

beforeAll(async () => {
  stack = await startStack(SCRIPTS);
});
afterAll(async () => {
  await stack?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the repository CLI against the stack. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, PATCHBAY_URL: stack.api, PATCHBAY_API_KEY: stack.key };
    execFile("node", [CLI, ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, "utf8")) as T;
/** Ten jobs on a shared two-core machine: minutes, not the default minute. */
const RUN_TIMEOUT_MS = 900_000;
const jobCount = () => stack.db.job.count({ where: { projectId: stack.projectId } });

describe("patchbay eval on the shipped instances", () => {
  let goldRun: string;
  let emptyRun: string;

  it("ships at least five projects in at least three test runners, each with a gold patch", () => {
    expect(new Set(instances.map((i) => i.repository.url)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(instances.map((i) => i.reference?.runner)).size).toBeGreaterThanOrEqual(3);
    for (const i of instances) expect(i.goldPatch, i.id).toMatch(/^diff --git /);
  });

  it(
    "resolves every instance with the gold patch",
    async () => {
      goldRun = outDir("gold");
      const run = await cli(["eval", INSTANCES, "--out", goldRun, "--model", "script:gold-{id}", "--concurrency", "2"]);
      expect(run.code, run.stderr).toBe(0);
      const report = readJson<EvalReport>(path.join(goldRun, "report.json"));
      for (const row of report.instances)
        expect([row.id, row.status, row.resolved, row.error]).toEqual([row.id, "succeeded", true, null]);
      expect(report.summary).toMatchObject({
        instances: instances.length,
        finished: instances.length,
        resolved: instances.length,
      });
      for (const instance of instances) {
        const outcome = readJson<InstanceOutcome>(path.join(goldRun, "instances", `${instance.id}.json`));
        expect(outcome.hidden?.failToPass.passed.sort()).toEqual([...instance.failToPass].sort());
        expect(outcome.hidden?.passToPass.failed).toEqual([]);
      }
      expect(readFileSync(path.join(goldRun, "report.md"), "utf8")).toContain(
        `**Resolved ${instances.length} of ${instances.length} (100.0%)**`,
      );
      // The agent never saw the hidden tests: no model request carries a line only the test patch adds.
      const requests = JSON.stringify(stack.model.requests.map((r) => r.body));
      for (const instance of instances) {
        const added = instance.testPatch.split("\n").filter((l) => /^\+\s*\S.{12,}/.test(l) && !l.startsWith("+++"));
        const unique = added
          .filter((l) => !instance.goldPatch?.includes(l.slice(1)))
          .sort((x, y) => y.length - x.length)[0];
        expect(unique, instance.id).toBeDefined();
        expect(requests.includes(JSON.stringify(unique?.slice(1).trim()).slice(1, -1)), instance.id).toBe(false);
      }
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "a rerun with the same --out submits nothing: finished instances are skipped, a lost one gets its job back",
    async () => {
      const before = await jobCount();
      const [first, second] = instances;
      const fileOf = (id: string) => path.join(goldRun, "instances", `${id}.json`);
      const jobOf = (id: string) => readJson<InstanceOutcome>(fileOf(id)).jobId;
      const jobs = { first: jobOf(first?.id ?? ""), second: jobOf(second?.id ?? "") };
      // As if the run was killed while the first job ran (submitted, not finished) ...
      const { status: _s, hidden: _h, resolved: _r, ...inFlight } = readJson<InstanceOutcome>(fileOf(first?.id ?? ""));
      writeFileSync(fileOf(first?.id ?? ""), JSON.stringify(inFlight));
      // ... and after the second's submit, before its job id was recorded: the rerun sends the same
      // body (the recorded source) under the same Idempotency-Key and gets that job back.
      const { id, sourceId, previousJobs } = readJson<InstanceOutcome>(fileOf(second?.id ?? ""));
      expect(sourceId).toBeDefined();
      writeFileSync(fileOf(second?.id ?? ""), JSON.stringify({ id, sourceId, previousJobs }));
      const run = await cli(["eval", INSTANCES, "--out", goldRun]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`${first?.id}: waiting for job ${jobs.first}`);
      expect(await jobCount()).toBe(before);
      expect([jobOf(first?.id ?? ""), jobOf(second?.id ?? "")]).toEqual([jobs.first, jobs.second]);
      expect(readJson<EvalReport>(path.join(goldRun, "report.json")).summary.resolved).toBe(instances.length);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "resolves none with an empty trajectory: the hidden tests ran and their fail-to-pass tests failed",
    async () => {
      emptyRun = outDir("empty");
      const run = await cli(["eval", INSTANCES, "--out", emptyRun, "--model", "script:empty", "--concurrency", "2"]);
      expect(run.code, run.stderr).toBe(0);
      const report = readJson<EvalReport>(path.join(emptyRun, "report.json"));
      expect(report.summary).toMatchObject({ finished: instances.length, resolved: 0 });
      for (const instance of instances) {
        const outcome = readJson<InstanceOutcome>(path.join(emptyRun, "instances", `${instance.id}.json`));
        expect(outcome.hidden?.error, instance.id).toBeUndefined();
        expect(outcome.hidden?.failToPass.failed.sort(), instance.id).toEqual([...instance.failToPass].sort());
      }
    },
    RUN_TIMEOUT_MS,
  );

  it("compares the two runs: every instance flipped to resolved", async () => {
    const run = await cli(["eval", "compare", emptyRun, goldRun, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const comparison = JSON.parse(run.stdout) as EvalComparison;
    expect(comparison.gained.sort()).toEqual(instances.map((i) => i.id).sort());
    expect(comparison).toMatchObject({ lost: [], shared: instances.length });
    expect(comparison.a.resolvedRate).toBe(0);
    expect(comparison.b.resolvedRate).toBe(1);
  });
  it(
    "compares engines: the Codex CLI applying the same gold patches resolves the same instances",
    async () => {
      // A subset of the loaded instances (their bundle paths are already absolute).
      const subset = path.join(path.dirname(outDir("codex-set")), "subset.json");
      const picked = instances.filter((i) => CODEX_IDS.includes(i.id));
      writeFileSync(subset, JSON.stringify({ instances: picked }));
      const codexRun = outDir("codex");
      const args = ["eval", subset, "--out", codexRun, "--engine", "codex", "--model", "script:codex-gold-{id}"];
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(0);
      const report = readJson<EvalReport>(path.join(codexRun, "report.json"));
      expect(report.run.engine).toBe("codex");
      expect(report.summary).toMatchObject({ instances: 2, resolved: 2 });
      const compared = await cli(["eval", "compare", goldRun, codexRun, "--json"]);
      const comparison = JSON.parse(compared.stdout) as EvalComparison;
      expect(comparison).toMatchObject({
        shared: 2,
        gained: [],
        lost: [],
        a: { engine: null },
        b: { engine: "codex" },
      });
      expect(comparison.bothResolved.sort()).toEqual([...CODEX_IDS].sort());
    },
    RUN_TIMEOUT_MS,
  );

  it(
    "compares N=1 with N=4: best-of-4, where one attempt of four applies the fix, resolves what one empty attempt did not",
    async () => {
      const subset = path.join(path.dirname(outDir("bo4-set")), "subset.json");
      writeFileSync(subset, JSON.stringify({ instances: instances.filter((i) => CODEX_IDS.includes(i.id)) }));
      const bestOf4 = outDir("bo4");
      const run = await cli(["eval", subset, "--out", bestOf4, "--attempts", "4", "--model", "script:bo4-{id}"]);
      expect(run.code, run.stderr).toBe(0);
      const report = readJson<EvalReport>(path.join(bestOf4, "report.json"));
      expect(report.run.attempts).toBe(4);
      expect(report.summary).toMatchObject({ instances: 2, resolved: 2 });
      const compared = await cli(["eval", "compare", emptyRun, bestOf4, "--json"]);
      const comparison = JSON.parse(compared.stdout) as EvalComparison;
      expect(comparison).toMatchObject({ shared: 2, lost: [], a: { attempts: 1 }, b: { attempts: 4 } });
      expect(comparison.gained.sort()).toEqual([...CODEX_IDS].sort());
    },
    RUN_TIMEOUT_MS,
  );
});
