import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { planChecks, readerOf } from "@patchbay/checks";
import type { ExecResult, Workspace } from "@patchbay/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { indexReader, readHostIndex } from "./index-reader.js";

const HOST_PATH = "/usr/local/bin:/usr/bin:/bin";
let root: string;
let full: string;
let indexOnly: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, encoding: "utf8" });

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(full, file)), { recursive: true });
  writeFileSync(path.join(full, file), text);
}

/** The checkout as a sandbox sees it: `ls` and files on disk (here the full checkout, by the local bash). */
function onDisk(dir: string): Workspace {
  return {
    root: dir,
    exec: async (command): Promise<ExecResult> => {
      const stdout = execFileSync("bash", ["-c", command], { cwd: dir, encoding: "utf8" });
      return { stdout, stderr: "", exitCode: 0, timedOut: false, durationMs: 0, truncatedBytes: 0 };
    },
    readFile: async (file, options) => {
      try {
        const bytes = readFileSync(path.join(dir, file));
        return options?.maxBytes === undefined ? bytes : bytes.subarray(0, options.maxBytes);
      } catch {
        return null;
      }
    },
    writeFile: async () => undefined,
    deleteFile: async () => undefined,
  };
}

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "pb-index-reader-"));
  full = path.join(root, "full");
  writeFileSync(path.join(root, "outside.txt"), "host file\n");
  mkdirSync(full);
  git(full, "init", "-q", "-b", "main");
  write("package.json", JSON.stringify({ name: "x", scripts: { test: "node --test" }, dependencies: { y: "1" } }));
  write("package-lock.json", "{}\n");
  write("tests/a.test.js", "test\n");
  write("tests/unit/b.test.js", "test\n");
  write("requirements/dev.txt", "pytest\n");
  write("config/pyproject.toml", '[project]\nname = "x"\n');
  write(".patchbay.yml", "timeouts:\n  test: 30\n");
  symlinkSync("config/pyproject.toml", path.join(full, "pyproject.toml"));
  symlinkSync("tests", path.join(full, "spec"));
  symlinkSync("../outside.txt", path.join(full, "escape.txt"));
  symlinkSync("/etc/hostname", path.join(full, "absolute.txt"));
  git(full, "add", "-A");
  // A submodule's gitlink: a folder in the tree whose contents are not in it.
  git(full, "update-index", "--add", "--cacheinfo", `160000,${"a".repeat(40)},vendor/lib`);
  git(full, "commit", "-qm", "init");
  // As the git cache makes it: a git folder whose index is the commit's tree, no file on disk.
  indexOnly = path.join(root, "index-only");
  git(root, "clone", "-q", "--no-checkout", full, indexOnly);
  git(indexOnly, "read-tree", "HEAD");
  mkdirSync(path.join(full, "vendor/lib"), { recursive: true });
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("indexReader (the host checkout's git index)", () => {
  it("lists what `ls -1Ap` lists in a checkout of the same commit, symlinked folders followed", async () => {
    const folders = ["", "tests", "requirements", "spec", "vendor", "missing", "package.json"];
    const fromIndex = await indexReader(await readHostIndex(indexOnly, { hostPath: HOST_PATH })).list(folders);
    const fromDisk = await readerOf(onDisk(full)).list(folders);
    for (const folder of folders) {
      expect([...(fromIndex.get(folder) ?? [])].sort(), folder).toEqual([...(fromDisk.get(folder) ?? [])].sort());
    }
    expect(fromIndex.get("")).toEqual(expect.arrayContaining([".git/", "tests/", "spec", "vendor/", "package.json"]));
  });

  it("reads files and in-tree symlinks as the checkout holds them, and never a file outside the tree", async () => {
    const reader = indexReader(await readHostIndex(indexOnly, { hostPath: HOST_PATH }));
    const disk = onDisk(full);
    for (const file of ["package.json", "pyproject.toml", "spec/unit/b.test.js", "tests/../.patchbay.yml"]) {
      expect((await reader.readFile(file))?.toString(), file).toBe((await disk.readFile(file))?.toString());
    }
    // On the host these would be the worker's own files: they read as absent.
    expect(await disk.readFile("escape.txt")).not.toBeNull();
    expect(await reader.readFile("escape.txt")).toBeNull();
    expect(await reader.readFile("absolute.txt")).toBeNull();
    expect(await reader.readFile("../outside.txt")).toBeNull();
    expect(await reader.readFile("/etc/hostname")).toBeNull();
    for (const absent of ["nope.txt", "tests", "vendor/lib"]) expect(await reader.readFile(absent), absent).toBeNull();
    expect((await reader.readFile("package-lock.json", { maxBytes: 1 }))?.toString()).toBe("{");
  });

  it("reads many files in one batch: regular files up to the size limit, no link, gitlink or missing path", async () => {
    const index = await readHostIndex(indexOnly, { hostPath: HOST_PATH });
    const wanted = ["package.json", "tests/a.test.js", ".patchbay.yml", "pyproject.toml", "vendor/lib", "nope.md"];
    const files = await index.files(wanted, 1000);
    expect([...files.keys()].sort()).toEqual([".patchbay.yml", "package.json", "tests/a.test.js"]);
    for (const [file, bytes] of files) expect(bytes.toString(), file).toBe(readFileSync(path.join(full, file), "utf8"));
    // Files longer than the limit are left out (tests/a.test.js holds 5 bytes, the others more than 10).
    expect([...(await index.files(wanted, 10)).keys()]).toEqual(["tests/a.test.js"]);
  });

  it("gives the plan a sandbox of the same checkout gives", async () => {
    const fromIndex = await planChecks(indexReader(await readHostIndex(indexOnly, { hostPath: HOST_PATH })), {});
    const fromDisk = await planChecks(onDisk(full), {});
    expect(fromIndex).toEqual(fromDisk);
    expect(fromIndex.setup.commands.join("\n")).toMatch(/^npm ci/m);
    expect(fromIndex.config?.timeouts?.test).toBe(30);
  });
});
