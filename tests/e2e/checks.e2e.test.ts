import { execFile, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { JobResult } from "@patchbay/core";
import type { ModelScript } from "@patchbay/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containersGone, type Stack, startStack, submit, waitTerminal } from "./stack.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const FIXTURE = path.join(ROOT, "packages/testkit/fixtures/repos/patchbay-yml");
const CLI = path.join(ROOT, "apps/cli/bin/patchbay.mjs");
const temps: string[] = [];
const execFileAsync = promisify(execFile);

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd, encoding: "utf8" }).trim();

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `patchbay-checks-e2e-${prefix}-`));
  temps.push(dir);
  return dir;
}

/** The fixture committed in a fresh repository (with `edit` applied first), and a bare clone as its remote. */
function fixtureRemote(edit?: (dir: string) => void): { url: string; head: string } {
  const dir = tempDir("src");
  cpSync(FIXTURE, dir, { recursive: true });
  edit?.(dir);
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "fixture");
  const bare = path.join(tempDir("bare"), "remote.git");
  git(dir, "clone", "-q", "--bare", dir, bare);
  return { url: `file://${bare}`, head: git(dir, "rev-parse", "HEAD") };
}

const say = (text: string) => ({ type: "message", role: "assistant", content: [{ type: "output_text", text }] });
const shell = (...commands: string[]) => ({ type: "shell_call", action: { commands } });

const SCRIPTS: Record<string, ModelScript> = {
  // Makes the failing test pass by changing what it expects instead of fixing the code.
  "tamper-tests": {
    turns: [
      { output: [shell(`sed -i 's/"Goodbye, Ada!"/"Goodbye!"/' checks/greet.test.js`)] },
      { output: [say("Adjusted the farewell test.")] },
    ],
  },
  // A change with every kind of file operation, and the real fix.
  "all-kinds": {
    turns: [
      {
        output: [
          shell(
            "mv src/helpers.js src/names.js",
            "rm src/legacy.js",
            "printf '\\x00\\x01\\x02binary\\xff' > assets/new.bin",
            "printf '\\x00tail' >> assets/logo.bin",
          ),
          {
            type: "apply_patch_call",
            operation: { type: "create_file", path: "src/version.js", diff: '+export const VERSION = "1.1.0";\n' },
          },
          {
            type: "apply_patch_call",
            operation: {
              type: "update_file",
              path: "src/greet.js",
              diff:
                '@@\n-export function farewell(name) {\n-  return "Goodbye!";\n+export function farewell(name) {\n+  return `Goodbye, $' +
                "{name}!`;\n",
            },
          },
        ],
      },
      { output: [say("Fixed farewell(); renamed helpers.js, removed legacy.js, added assets.")] },
    ],
  },
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(SCRIPTS, {
    PATCHBAY_GIT_AUTHOR_NAME: "Patch Bot",
    PATCHBAY_GIT_AUTHOR_EMAIL: "bot@example.test",
  });
});
afterAll(async () => {
  await stack.close();
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

interface Finished {
  id: string;
  status: string;
  error: { code: string; message: string } | null;
  result: JobResult;
  patch: string;
}

async function runJob(spec: Record<string, unknown>): Promise<Finished> {
  const { status, job } = await submit(stack.api, { task: "Make the farewell test pass.", ...spec });
  expect(status).toBe(202);
  const done = await waitTerminal(stack.api, job.id, 120_000);
  await containersGone(job.id);
  const res = await fetch(`${stack.api}/v1/jobs/${job.id}/patch`);
  const patch = res.status === 200 ? await res.text() : "";
  return { id: job.id, status: done.status, error: done.error, result: done.result as unknown as JobResult, patch };
}

/** A fresh clone of the remote at the base commit with the patch applied by `git apply`. */
function applyInFreshClone(url: string, base: string, patch: string): string {
  const dir = path.join(tempDir("fresh"), "repo");
  git(path.dirname(dir), "clone", "-q", url, dir);
  git(dir, "checkout", "-q", "--detach", base);
  const file = path.join(path.dirname(dir), "job.diff");
  writeFileSync(file, patch);
  git(dir, "apply", "--check", file);
  git(dir, "apply", "--index", file);
  return dir;
}

describe("checks, test protection, patch and push end to end", () => {
  it("an edited test shows in testsModified; the JobSpec's protectTests: false wins over .patchbay.yml", async () => {
    const remote = fixtureRemote();
    const job = await runJob({
      repo: { url: remote.url },
      model: "script:tamper-tests",
      checks: { protectTests: false },
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    expect(job.result.setup).toMatchObject({ source: "config" });
    expect(job.result.checks.after.map((r) => [r.kind, r.source])).toEqual([
      ["test", "config"],
      ["lint", "config"],
    ]);
    expect(job.result).toMatchObject({ protectTests: false, testsModified: ["checks/greet.test.js"], testsAdded: [] });
    expect(job.result.checks).toMatchObject({ passed: true, fixed: ["farewell"] });
    expect(job.patch).toContain("+++ b/checks/greet.test.js");
  });

  it("with protectTests (from .patchbay.yml) the edit is dropped and the after-checks run the original test", async () => {
    const remote = fixtureRemote();
    const job = await runJob({ repo: { url: remote.url }, model: "script:tamper-tests" });
    expect(job.status).toBe("succeeded");
    expect(job.result).toMatchObject({
      protectTests: true,
      testsModified: ["checks/greet.test.js"],
      testsDropped: ["checks/greet.test.js"],
      patchStats: { files: 0, insertions: 0, deletions: 0 },
    });
    expect(job.patch).toBe("");
    // The original test still fails: not a clean success.
    expect(job.result.checks).toMatchObject({ passed: false, stillFailing: ["farewell"], fixed: [] });
  });

  it("the patch holds new, deleted, renamed and binary files, nothing setup made, and applies in a fresh clone; a push lands as a new branch", async () => {
    const remote = fixtureRemote();
    const job = await runJob({
      repo: { url: remote.url },
      model: "script:all-kinds",
      output: { branch: "patchbay/farewell" },
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe("succeeded");
    expect(job.result.baseCommit).toBe(remote.head);
    expect(job.result.checks).toMatchObject({ passed: true, fixed: ["farewell"], regressions: [] });
    expect(job.result.testsModified).toEqual([]);
    expect(job.result.patchStats.files).toBe(6);
    // setup wrote build/ (untracked, no .gitignore): never part of the change.
    expect(job.patch).not.toContain("build/");
    expect(job.patch).toContain("rename from src/helpers.js");
    expect(job.patch).toContain("deleted file mode 100644");
    expect(job.patch).toContain("GIT binary patch");

    const fresh = applyInFreshClone(remote.url, remote.head, job.patch);
    expect(readFileSync(path.join(fresh, "src/names.js"), "utf8")).toContain("titleCase");
    expect(git(fresh, "ls-files", "src")).toBe(["src/greet.js", "src/names.js", "src/version.js"].join("\n"));
    expect(readFileSync(path.join(fresh, "assets/new.bin"))).toEqual(Buffer.from("\x00\x01\x02binary\xff", "latin1"));
    const logo = readFileSync(path.join(fresh, "assets/logo.bin"));
    expect(logo.subarray(-5)).toEqual(Buffer.from("\x00tail", "latin1"));
    expect(logo.length).toBe(268 + 5);

    // The pushed branch: one commit on the base, by the configured author, with exactly the patch's tree.
    expect(job.result.push).toMatchObject({ branch: "patchbay/farewell", forced: false, remote: remote.url });
    const bare = remote.url.slice("file://".length);
    const branchHead = git(bare, "rev-parse", "refs/heads/patchbay/farewell");
    expect(branchHead).toBe(job.result.push?.commit);
    expect(git(bare, "rev-parse", `${branchHead}^`)).toBe(remote.head);
    expect(git(bare, "log", "-1", "--format=%an <%ae>%n%s%n%b", branchHead)).toMatch(
      /^Patch Bot <bot@example\.test>\nMake the farewell test pass\.\n[\s\S]*Patchbay-Job: /,
    );
    expect(git(bare, "rev-parse", `${branchHead}^{tree}`)).toBe(git(fresh, "write-tree"));

    // `patchbay apply` in a checkout at the base commit applies it; elsewhere it refuses.
    const local = path.join(tempDir("cli"), "repo");
    git(path.dirname(local), "clone", "-q", remote.url, local);
    // Asynchronously: the API answering the CLI runs in this process.
    const cli = async (...args: string[]) =>
      (await execFileAsync("node", [CLI, ...args, "--url", stack.api, "--api-key", stack.key], { cwd: local })).stdout;
    git(local, "commit", "-q", "--allow-empty", "-m", "moved on");
    await expect(cli("apply", job.id)).rejects.toThrow(/was made on/);
    git(local, "reset", "-q", "--hard", remote.head);
    writeFileSync(path.join(local, "src/greet.js"), "// local edit\n");
    await expect(cli("apply", job.id)).rejects.toThrow(/conflict/);
    git(local, "checkout", "-q", "--", "src/greet.js");
    expect(await cli("apply", job.id)).toContain("applied");
    git(local, "add", "-A");
    expect(git(local, "write-tree")).toBe(git(fresh, "write-tree"));

    // The same branch again: refused without force (branch untouched), replaced with it.
    const again = await runJob({
      repo: { url: remote.url },
      model: "script:all-kinds",
      output: { branch: "patchbay/farewell" },
    });
    expect(again.status).toBe("failed");
    expect(again.error).toMatchObject({ code: "push_failed" });
    expect(again.error?.message).toMatch(/already exists/);
    expect(again.patch).toBe(job.patch);
    expect(git(bare, "rev-parse", "refs/heads/patchbay/farewell")).toBe(branchHead);
    const forced = await runJob({
      repo: { url: remote.url },
      model: "script:all-kinds",
      output: { branch: "patchbay/farewell", force: true },
    });
    expect(forced.status).toBe("succeeded");
    expect(forced.result.push).toMatchObject({ forced: true });
    expect(git(bare, "rev-parse", "refs/heads/patchbay/farewell")).toBe(forced.result.push?.commit);
    // Three jobs that each push, on a shared two-core machine.
  }, 240_000);

  it("a bad .patchbay.yml ends the job as failed/invalid_config naming the problem", async () => {
    const remote = fixtureRemote((dir) =>
      writeFileSync(path.join(dir, ".patchbay.yml"), "test: [unclosed\nprotect: 1\n"),
    );
    const job = await runJob({ repo: { url: remote.url }, model: "script:tamper-tests" });
    expect(job.status).toBe("failed");
    expect(job.error?.code).toBe("invalid_config");
    expect(job.error?.message).toContain(".patchbay.yml");
  });
});
