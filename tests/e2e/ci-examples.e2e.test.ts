import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exampleScript, fixtureRepo, type Stack, startStack } from "./stack.js";

// The CI examples' own commands, run as their runners run them, against a running stack: the
// GitHub Action's steps (inputs substituted as Actions does) and the GitLab job's script.
const ROOT = path.resolve(import.meta.dirname, "../..");
const EXAMPLES = path.join(ROOT, "examples/ci");
const MODEL = "script:fix-cart-bug";
let stack: Stack;
const origin = fixtureRepo();
const work = mkdtempSync(path.join(tmpdir(), "patchbay-ci-examples-"));

beforeAll(async () => {
  // The examples run `npm ci` as setup: the repository needs a lockfile (it has no dependencies).
  execFileSync("npm", ["install", "--package-lock-only", "--offline", "--no-audit", "--no-fund"], { cwd: origin.dir });
  execFileSync("git", ["add", "package-lock.json"], { cwd: origin.dir });
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "lockfile"], {
    cwd: origin.dir,
  });
  // The examples download the CLI the API serves (GET /cli.mjs): built from these sources.
  execFileSync("node", [path.join(ROOT, "apps/cli/scripts/build.mjs"), "--if-stale"], { stdio: "ignore" });
  stack = await startStack({ "fix-cart-bug": await exampleScript("fix-cart-bug") });
});

afterAll(async () => {
  await stack?.close();
  origin.remove();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh clone, as a CI checkout with the whole history. */
function checkout(name: string): string {
  const dir = path.join(work, name);
  execFileSync("git", ["clone", "-q", origin.url, dir]);
  return dir;
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const base = { PATH: process.env.PATH ?? "", HOME: work };
  return new Promise((resolve) =>
    execFile(
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", "-c", script],
      { cwd, env: { ...base, ...env } },
      (err, _out, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }),
    ),
  );
}

const jobOf = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, "job.json"), "utf8")) as { id: string; status: string };

describe("the CI examples", () => {
  it("the GitHub Action's steps download the CLI, fix the checkout and leave patchbay.diff, job.json and outputs", async () => {
    const action = parse(readFileSync(path.join(EXAMPLES, "action.yml"), "utf8")) as {
      runs: { steps: Array<{ run?: string; env?: Record<string, string> }> };
    };
    const inputs: Record<string, string> = {
      url: stack.api,
      "api-key": stack.key,
      task: "The cart tests fail. Fix src/cart.js.",
      test: "npm test",
      setup: "npm ci",
      model: MODEL,
      "wait-timeout": "",
    };
    const expand = (text: string) =>
      text.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? "");
    const dir = checkout("github");
    const output = path.join(work, "github-output");
    writeFileSync(output, "");
    const runner = {
      RUNNER_TEMP: work,
      GITHUB_OUTPUT: output,
      GITHUB_SERVER_URL: "https://github.test",
      GITHUB_REPOSITORY: "octo-org/shop",
      GITHUB_RUN_ID: "42",
    };
    for (const step of action.runs.steps) {
      if (!step.run) continue;
      const env = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v))]));
      const ran = await bash(expand(step.run), dir, { ...runner, ...env });
      expect(ran.code, ran.stderr).toBe(0);
    }
    const outputs = Object.fromEntries(
      readFileSync(output, "utf8")
        .trim()
        .split("\n")
        .map((l) => l.split("=")),
    );
    const job = jobOf(dir);
    expect(outputs).toEqual({ exit: "0", job: job.id });
    expect(job.status).toBe("succeeded");
    expect(readFileSync(path.join(dir, "patchbay.diff"), "utf8")).toContain("src/cart.js");
    execFileSync("git", ["apply", "--check", "patchbay.diff"], { cwd: dir });
  }, 240_000);

  it("the GitLab job's script downloads the CLI, fixes the checkout and keeps patchbay.diff and job.json", async () => {
    const pipeline = parse(readFileSync(path.join(EXAMPLES, "gitlab-ci.yml"), "utf8")) as Record<
      string,
      { before_script?: string[]; script?: string[] }
    >;
    const job = pipeline["patchbay-fix"];
    // The image's package install is left out: git, jq and curl are on this machine.
    const lines = [...(job?.before_script ?? []).filter((l) => !l.startsWith("apt-get")), ...(job?.script ?? [])];
    const dir = checkout("gitlab");
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: dir, encoding: "utf8" }).trim();
    const ran = await bash(lines.join("\n"), dir, {
      PATCHBAY_URL: stack.api,
      PATCHBAY_API_KEY: stack.key,
      PATCHBAY_MODEL: MODEL,
      CI_COMMIT_REF_NAME: "main",
      CI_COMMIT_SHA: head,
      CI_PIPELINE_URL: "https://gitlab.test/shop/-/pipelines/7",
    });
    expect(ran.code, ran.stderr).toBe(0);
    expect(readFileSync(path.join(dir, "patchbay.exit"), "utf8").trim()).toBe("0");
    expect(jobOf(dir).status).toBe("succeeded");
    execFileSync("git", ["apply", "--check", "patchbay.diff"], { cwd: dir });
  }, 240_000);
});
