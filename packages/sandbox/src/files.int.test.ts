import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { tarDirectory } from "./tar-io.js";
import { remaining, testProvider, uniqueJobId } from "./test-support.js";

const provider = testProvider();
const jobId = uniqueJobId("files");
let sandbox: DockerSandbox;
let hostRepo: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" });
}

/** A small host repository with history and a script, as the worker's clone would be. */
function makeHostRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "patchbay-sandbox-"));
  git(dir, "init", "-q", "-b", "main");
  writeFileSync(join(dir, "README.md"), "# demo\n");
  writeFileSync(join(dir, "run.sh"), "#!/bin/sh\necho ran\n", { mode: 0o755 });
  git(dir, "add", ".");
  git(dir, "commit", "-q", "-m", "init");
  return dir;
}

async function listTar(tar: Readable): Promise<string[]> {
  const child = spawn("tar", ["-t", "-f", "-"], { stdio: ["pipe", "pipe", "inherit"] });
  tar.pipe(child.stdin);
  const chunks: Buffer[] = [];
  for await (const chunk of child.stdout) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString().trim().split("\n");
}

beforeAll(async () => {
  hostRepo = makeHostRepo();
  sandbox = await provider.create({ jobId });
});

afterAll(async () => {
  rmSync(hostRepo, { recursive: true, force: true });
  await provider.destroyForJob(jobId);
  expect(await remaining(provider, jobId)).toBe(0);
});

describe("putTar / getTar", () => {
  it("copies a host git repository in, owned by uid 1000, and git works on it", async () => {
    await sandbox.putTar(tarDirectory(hostRepo));
    const owners = await sandbox.exec("stat -c %u:%g README.md .git .git/HEAD | sort -u");
    expect(owners.stdout).toBe("1000:1000\n");
    expect((await sandbox.exec("git status --porcelain")).stdout).toBe("");
    expect((await sandbox.exec("./run.sh")).stdout).toBe("ran\n");
    await sandbox.writeFile("README.md", "# demo\nchanged\n");
    await sandbox.writeFile("src/new.ts", "export {};\n");
    const status = await sandbox.exec("git status --porcelain --untracked-files=all");
    expect(status.stdout).toBe(" M README.md\n?? src/new.ts\n");
    const diff = await sandbox.exec("git add -N . && git diff");
    expect(diff.stdout).toContain("+changed");
    expect(diff.stdout).toContain("+++ b/src/new.ts");
    expect((await sandbox.exec("git log --oneline | wc -l")).stdout.trim()).toBe("1");
  });

  it("fails loudly when the host folder cannot be tarred", async () => {
    await expect(sandbox.putTar(tarDirectory("/no/such/dir"))).rejects.toMatchObject({ code: "sandbox_failed" });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await sandbox.exec("pgrep -x tar || true")).stdout).toBe("");
  });

  it("streams a path back out as a tar", async () => {
    await sandbox.writeFile("out/a.txt", "a");
    await sandbox.writeFile("out/deep/b.txt", "b");
    const names = await listTar(await sandbox.getTar("out"));
    expect(names).toEqual(expect.arrayContaining(["out/", "out/a.txt", "out/deep/b.txt"]));
    const all = await listTar(await sandbox.getTar());
    expect(all).toEqual(expect.arrayContaining(["./", "./.git/HEAD", "./out/deep/b.txt"]));
    await expect(sandbox.getTar("missing")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(sandbox.getTar("../etc")).rejects.toMatchObject({ code: "invalid_request" });
  });
});

describe("readFile / writeFile / deleteFile", () => {
  it("round-trips text and binary content through nested folders", async () => {
    await sandbox.writeFile("a/b/c/d.txt", "héllo\nwörld");
    expect((await sandbox.readFile("a/b/c/d.txt"))?.toString("utf8")).toBe("héllo\nwörld");
    const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256));
    await sandbox.writeFile("/workspace/bin/data.bin", binary);
    expect((await sandbox.readFile("bin/data.bin"))?.equals(binary)).toBe(true);
    await sandbox.writeFile("empty.txt", "");
    expect((await sandbox.readFile("empty.txt"))?.length).toBe(0);
    expect((await sandbox.exec("stat -c %u a/b/c/d.txt")).stdout).toBe("1000\n");
  });

  it("overwrites in place, keeping the file's mode", async () => {
    await sandbox.writeFile("tool.sh", "#!/bin/sh\necho v1\n");
    await sandbox.exec("chmod +x tool.sh");
    await sandbox.writeFile("tool.sh", "#!/bin/sh\necho v2\n");
    expect((await sandbox.exec("./tool.sh")).stdout).toBe("v2\n");
  });

  it("returns null for a missing file and deletes idempotently", async () => {
    expect(await sandbox.readFile("does/not/exist.txt")).toBeNull();
    await sandbox.writeFile("gone.txt", "x");
    await sandbox.deleteFile("gone.txt");
    expect(await sandbox.readFile("gone.txt")).toBeNull();
    await sandbox.deleteFile("gone.txt");
  });

  it("refuses folders and paths escaping the workspace", async () => {
    await sandbox.exec("mkdir -p adir");
    await expect(sandbox.readFile("adir")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(sandbox.deleteFile("adir")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(sandbox.writeFile("adir", "x")).rejects.toMatchObject({ code: "invalid_request" });
    for (const path of ["../etc/passwd", "/etc/passwd", "a/../../tmp/x", ""]) {
      await expect(sandbox.readFile(path)).rejects.toMatchObject({ code: "invalid_request" });
      await expect(sandbox.writeFile(path, "x")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(sandbox.deleteFile(path)).rejects.toMatchObject({ code: "invalid_request" });
    }
    expect((await sandbox.exec("ls /tmp/x 2>&1 || true")).stdout).toContain("No such file");
  });
});
