import { randomBytes } from "node:crypto";
import { DockerSandboxProvider, type Sandbox, tarDirectory } from "@patchbay/sandbox";
import { afterAll, describe, expect, it } from "vitest";
import { planChecks } from "./plan.js";
import { runChecks } from "./run.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";

// Detected setup and tests of Python repositories, run for real in the sandbox image with no
// network, as a job's baseline runs them.
const jobId = `test-checks-setup-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  killGraceMs: 500,
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  expect((await provider.list()).filter((c) => c.jobId === jobId)).toEqual([]);
});

/** A sandbox whose /workspace is a git checkout of `files` (one commit). */
async function repository(files: Record<string, string>): Promise<Sandbox> {
  const local = await LocalWorkspace.create(files);
  try {
    const sandbox = await provider.create({ jobId });
    await sandbox.putTar(tarDirectory(local.root));
    const init = await sandbox.exec("git init -q && git add -A && git commit -q -m base", { timeoutMs: 30_000 });
    expect(init.exitCode, init.stderr).toBe(0);
    return sandbox;
  } finally {
    await local.dispose();
  }
}

const TEST_ADD =
  "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\ndef test_neg():\n    assert add(-1, 1) == 0\n";

describe("detected Python setup in a real sandbox", () => {
  it("a plain repository with pytest tests: no setup, python3 -m pytest passes with the image's pytest", async () => {
    const sandbox = await repository({
      "calc.py": "def add(a, b):\n    return a + b\n",
      "tests/test_calc.py": TEST_ADD,
    });
    const plan = await planChecks(sandbox, {});
    expect(plan.setup.commands).toEqual([]);
    expect(plan.commands).toEqual([
      { kind: "test", command: "python3 -m pytest -q", source: "detected", detectedFrom: "pytest (tests/)" },
    ]);
    const [run] = await runChecks(sandbox, plan.commands, { stage: "baseline", emit: () => {}, timeoutMs: 60_000 });
    expect(run).toMatchObject({ exitCode: 0, passed: true, counts: { passed: 2, failed: 0, skipped: 0 } });
    await sandbox.destroy();
  }, 60_000);

  it("a pyproject.toml package: installed editable into .venv, tests run in it, .venv never in the change", async () => {
    const sandbox = await repository({
      "pyproject.toml": [
        "[build-system]",
        'requires = ["setuptools>=61"]',
        'build-backend = "setuptools.build_meta"',
        "[project]",
        'name = "calc"',
        'version = "0.1.0"',
        "[project.optional-dependencies]",
        "test = []",
      ].join("\n"),
      "src/calc/__init__.py": "def add(a, b):\n    return a + b\n",
      "tests/test_calc.py": TEST_ADD,
    });
    const plan = await planChecks(sandbox, {});
    expect(plan.setup.commands).toEqual([
      "python3 -m venv --system-site-packages .venv && echo '*' > .venv/.gitignore",
      ".venv/bin/python -m pip install -e '.[test]'",
    ]);
    expect(plan.commands[0]?.command).toBe(".venv/bin/python -m pytest -q");
    // Real projects fetch their build backend through the setup proxy; with no network here the
    // image's setuptools builds it (pip reads PIP_NO_BUILD_ISOLATION=0 as "no isolation").
    for (const command of plan.setup.commands) {
      const result = await sandbox.exec(command, { timeoutMs: 120_000, env: { PIP_NO_BUILD_ISOLATION: "0" } });
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const [run] = await runChecks(sandbox, plan.commands, { stage: "baseline", emit: () => {}, timeoutMs: 60_000 });
    expect(run).toMatchObject({ exitCode: 0, passed: true, counts: { passed: 2, failed: 0, skipped: 0 } });
    // The package is importable only from the venv (src layout, editable install).
    const plain = await sandbox.exec("python3 -c 'import calc'", { timeoutMs: 30_000 });
    expect(plain.exitCode).not.toBe(0);
    // What the agent would install into the venv is not part of any patch.
    await sandbox.exec("mkdir -p .venv/lib/extra && echo x > .venv/lib/extra/new.py", { timeoutMs: 30_000 });
    const status = await sandbox.exec("git status --porcelain --untracked-files=all", { timeoutMs: 30_000 });
    expect(status.stdout.split("\n").filter((line) => line.includes(".venv"))).toEqual([]);
    await sandbox.destroy();
  }, 180_000);
});
