import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneRepository } from "./clone.js";

const HOST_PATH = "/usr/local/bin:/usr/bin:/bin";
let root: string;
let work: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], { cwd, encoding: "utf8" });

/** A repository with `files` small files and one file of `bigBytes` bytes. */
function makeRepo(name: string, files: number, bigBytes = 0): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, "many"), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(path.join(dir, "many", `f${i}.txt`), `${i}\n`);
  if (bigBytes > 0) writeFileSync(path.join(dir, "big.bin"), Buffer.alloc(bigBytes, 7));
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-qm", "init");
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "patchbay-clone-"));
  work = path.join(root, "work");
  mkdirSync(work);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("cloneRepository", () => {
  it("clones and checks out the default branch within the limits", async () => {
    const repo = makeRepo("ok", 5);
    const checkout = await cloneRepository({ url: `file://${repo}` }, work, { timeoutMs: 30_000, hostPath: HOST_PATH });
    expect(readdirSync(path.join(checkout.dir, "many"))).toHaveLength(5);
    expect(git(checkout.dir, "status", "--porcelain")).toBe("");
    await checkout.remove();
  });

  it("refuses a checkout with more files than allowed before writing them, naming the numbers", async () => {
    const repo = makeRepo("many-files", 60);
    const clone = cloneRepository({ url: `file://${repo}` }, work, {
      timeoutMs: 30_000,
      hostPath: HOST_PATH,
      limits: { maxFiles: 50 },
    });
    await expect(clone).rejects.toMatchObject({
      code: "repo_too_large",
      message: expect.stringMatching(/more than 50 files.*PATCHBAY_MAX_REPO_FILES/),
    });
    expect(readdirSync(work)).toEqual([]);
  });

  it("refuses a checkout bigger than allowed", async () => {
    const repo = makeRepo("big", 1, 3 * 1024 * 1024);
    const clone = cloneRepository({ url: `file://${repo}` }, work, {
      timeoutMs: 30_000,
      hostPath: HOST_PATH,
      limits: { maxMb: 2 },
    });
    await expect(clone).rejects.toMatchObject({
      code: "repo_too_large",
      message: expect.stringMatching(/more than 2 MB.*PATCHBAY_MAX_REPO_MB/),
    });
  });

  it("kills ssh with git when an ssh:// clone times out: no orphan is left on the host", async () => {
    const pidFile = path.join(root, "ssh.pid");
    const fakeSsh = path.join(root, "fake-ssh");
    writeFileSync(fakeSsh, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 60\n`);
    chmodSync(fakeSsh, 0o755);
    const started = Date.now();
    const clone = cloneRepository({ url: "ssh://git@repo.invalid/team/app.git" }, work, {
      timeoutMs: 1_500,
      hostPath: HOST_PATH,
      env: { GIT_SSH_COMMAND: fakeSsh },
    });
    await expect(clone).rejects.toMatchObject({ code: "repo_clone_failed" });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(existsSync(pidFile)).toBe(true);
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    // Signals to pid 0 would reach this test's own process group.
    expect(pid).toBeGreaterThan(1);
    // A killed process may take a moment to be reaped.
    for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    const left = alive(pid);
    if (left) process.kill(pid, "SIGKILL");
    expect(left).toBe(false);
  });
});
