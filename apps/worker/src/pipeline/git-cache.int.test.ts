import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { JobRecord } from "@patchbay/db";
import { DockerSandboxProvider, type Sandbox } from "@patchbay/sandbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHttpsServer, startGitHttpsServer } from "../../../../tests/adversarial/git-https-server.js";
import { cachedCheckout, checkoutEvent } from "./cached-checkout.js";
import { cacheEntry, SIZE_RECORD } from "./git-cache.js";
import { sweepGitCache } from "./git-cache-sweep.js";
import type { SandboxHistory } from "./git-export.js";
import { cacheScope } from "./job-checkout.js";
import { JobSecrets } from "./secrets.js";

// A real git smart-HTTP server on loopback (git http-backend behind TLS): "public.git" is served
// to anyone, every other repository only to requests with credentials (a private repository).
const TOKEN = "ghp_git_cache_token_0123456789abcdef";
const jobId = `test-git-cache-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
  killGraceMs: 500,
});
let server: GitHttpsServer;
let root: string;
let work: string;
let cacheDir: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@localhost", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();

/** A bare repository on the server with one commit of `files` files; returns its working copy. */
function serveRepo(name: string, files: Record<string, string>): string {
  const src = path.join(root, `src-${name}`);
  mkdirSync(src, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
    writeFileSync(path.join(src, file), text);
  }
  git(src, "init", "-q", "-b", "main");
  git(src, "add", "-A");
  git(src, "commit", "-qm", "base");
  git(root, "clone", "-q", "--bare", src, path.join(server.root, `${name}.git`));
  git(src, "remote", "add", "origin", path.join(server.root, `${name}.git`));
  return src;
}

function commitAndPush(src: string, file: string, text: string): string {
  writeFileSync(path.join(src, file), text);
  git(src, "add", "-A");
  git(src, "commit", "-qm", `change ${file}`);
  git(src, "push", "-q", "origin", "HEAD:main");
  return git(src, "rev-parse", "HEAD");
}

const url = (name: string) => `https://localhost:${server.port}/${name}.git`;

/** What checkoutForJob does for a job of `projectId` with `secrets`: its credentials decide the scope. */
async function checkout(
  name: string,
  projectId: string,
  secrets: Record<string, string>,
  more: {
    repo?: { ref?: string; commit?: string };
    history?: SandboxHistory;
    maxFiles?: number;
    signal?: AbortSignal;
  } = {},
) {
  const credentials = await new JobSecrets(secrets).gitCredentials(url(name), work);
  const job = { projectId, spec: { repo: { url: url(name) } } } as JobRecord;
  const env = { ...credentials.env, GIT_SSL_CAINFO: server.caFile };
  try {
    return await cachedCheckout(
      { url: url(name), ...more.repo },
      {
        cache: { dir: cacheDir, maxMb: 1024 },
        scope: cacheScope(job, credentials.env),
        history: more.history ?? "shallow",
        jobId,
        workDir: work,
        git: {
          timeoutMs: 30_000,
          hostPath: process.env.PATH ?? "/usr/bin:/bin",
          env,
          ...(more.signal ? { signal: more.signal } : {}),
        },
        ...(more.maxFiles ? { limits: { maxFiles: more.maxFiles } } : {}),
      },
    );
  } finally {
    await credentials.remove();
  }
}

async function filled(fill: ((box: Sandbox) => Promise<void>) | undefined): Promise<Sandbox> {
  const box = await provider.create({ jobId });
  await fill!(box);
  return box;
}

/** The pids of git processes working in `dir` (host git feeding a sandbox from a cache entry). */
function gitProcessesIn(dir: string): string[] {
  return readdirSync("/proc").filter((pid) => {
    try {
      return (
        /^\d+$/.test(pid) &&
        readlinkSync(`/proc/${pid}/cwd`) === dir &&
        readFileSync(`/proc/${pid}/comm`, "utf8").startsWith("git")
      );
    } catch {
      return false;
    }
  });
}

async function sh(box: Sandbox, command: string): Promise<string> {
  const run = await box.exec(command, { timeoutMs: 30_000 });
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  return run.stdout.trim();
}

beforeAll(async () => {
  server = await startGitHttpsServer({ public: ["public.git", "busy.git", "moved.git", "big.git"] });
  root = mkdtempSync(path.join(tmpdir(), "patchbay-git-cache-"));
  work = path.join(root, "work");
  cacheDir = path.join(root, "cache");
  mkdirSync(work);
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

describe("the worker's git cache", { timeout: 180_000 }, () => {
  it("a second job on the same remote fetches only the new commit's objects, says so, and gets the new tree", async () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`src/f${i}.txt`, `${i}\n`]));
    const src = serveRepo("public", { "README.md": "hello\n", ...many });
    const first = await checkout("public", "project-a", {});
    expect(first.stats).toMatchObject({ cache: "miss", scope: "shared", history: "shallow" });
    expect(first.stats.objectsFetched).toBeGreaterThan(200);
    const box = await filled(first.fill);
    expect(await sh(box, "git rev-parse HEAD")).toBe(first.baseCommit);
    expect(await sh(box, "git status --porcelain")).toBe("");
    expect(await sh(box, "ls src | wc -l")).toBe("200");
    // The host keeps no tree: only the index the environment key reads.
    expect(readdirSync(first.dir)).toEqual([".git"]);
    expect(git(first.dir, "ls-files").split("\n")).toHaveLength(201);
    await first.remove();

    const next = commitAndPush(src, "README.md", "hello again\n");
    const requests = server.seen.length;
    const second = await checkout("public", "project-b", {});
    // One commit, one root tree, one blob: nothing else travels.
    expect(second.stats).toMatchObject({ cache: "hit", scope: "shared", objectsFetched: 3 });
    expect(second.baseCommit).toBe(next);
    expect(server.seen.length).toBeGreaterThan(requests);
    const event = checkoutEvent(url("public"), second);
    expect(event.data.text).toContain("git cache hit: fetched 3 new objects");
    expect(event.data).toMatchObject({ phase: "provision", checkout: { cache: "hit", objectsFetched: 3 } });
    const box2 = await filled(second.fill);
    expect(await sh(box2, "cat README.md")).toBe("hello again");
    // Shallow: the commit alone, yet diff, apply and commit work against it.
    expect(await sh(box2, "git rev-list --count HEAD")).toBe("1");
    await sh(box2, "echo x >> README.md && git diff --stat HEAD | tail -1");
    await second.remove();

    // Each fetch records the tally the next one starts from; without the record (an entry an older
    // worker wrote) git counts, and the figure is the same.
    const entry = cacheEntry(cacheDir, url("public"), { kind: "shared" });
    expect(readFileSync(path.join(entry, "patchbay-objects"), "utf8")).toMatch(/^\d+ \d+\n$/);
    rmSync(path.join(entry, "patchbay-objects"));
    commitAndPush(src, "README.md", "hello a third time\n");
    const third = await checkout("public", "project-b", {});
    expect(third.stats).toMatchObject({ cache: "hit", objectsFetched: 3 });
    await third.remove();
  });

  it("pins a ref, a tag or an older commit, and gives a review the branches with their history", async () => {
    const src = serveRepo("moved", { "a.txt": "1\n" });
    const old = git(src, "rev-parse", "HEAD");
    git(src, "tag", "v1");
    git(src, "push", "-q", "origin", "v1");
    commitAndPush(src, "a.txt", "2\n");
    const byTag = await checkout("moved", "p", {}, { repo: { ref: "v1" } });
    expect(byTag.baseCommit).toBe(old);
    const byCommit = await checkout("moved", "p", {}, { repo: { commit: old } });
    expect(byCommit.baseCommit).toBe(old);
    const full = await checkout("moved", "p", {}, { history: "full" });
    const box = await filled(full.fill);
    expect(await sh(box, "git rev-list --count HEAD")).toBe("2");
    expect(await sh(box, "git rev-parse refs/remotes/origin/main")).toBe(full.baseCommit);
    expect(await sh(box, "git rev-parse v1")).toBe(old);
    for (const c of [byTag, byCommit, full]) await c.remove();
  });

  it("refuses a commit with more files than allowed (PATCHBAY_MAX_REPO_FILES), leaving no folder behind", async () => {
    const before = readdirSync(work).length;
    await expect(checkout("public", "p", {}, { maxFiles: 50 })).rejects.toMatchObject({
      code: "repo_too_large",
      message: expect.stringMatching(/more than 50 files/),
    });
    expect(readdirSync(work)).toHaveLength(before);
  });

  it("two concurrent jobs on one remote both succeed and leave the entry whole", async () => {
    serveRepo("busy", { "x.txt": "x\n", "y/z.txt": "z\n" });
    const jobs = await Promise.all([1, 2, 3].map((n) => checkout("busy", `project-${n}`, {})));
    expect(new Set(jobs.map((j) => j.baseCommit)).size).toBe(1);
    expect(jobs.map((j) => j.stats.cache).sort()).toEqual(["hit", "hit", "miss"]);
    const entry = cacheEntry(cacheDir, url("busy"), { kind: "shared" });
    expect(git(entry, "fsck", "--no-progress")).toBe("");
    const boxes = await Promise.all(jobs.map((j) => filled(j.fill)));
    for (const box of boxes) expect(await sh(box, "cat y/z.txt")).toBe("z");
    for (const j of jobs) await j.remove();
  });

  it("a project cannot get another project's private objects, by URL or by commit id", async () => {
    serveRepo("private", { "secret.txt": "project a only\n" });
    const owner = { GIT_HTTPS_TOKEN: TOKEN, GIT_HTTPS_HOSTS: `localhost:${server.port}` };
    const a = await checkout("private", "project-a", owner);
    expect(a.stats.scope).toBe("project");
    await a.remove();
    // The same URL and the commit id, without the credential: the remote refuses, the cache gives nothing.
    await expect(checkout("private", "project-b", {})).rejects.toMatchObject({ code: "repo_clone_failed" });
    await expect(checkout("private", "project-b", {}, { repo: { commit: a.baseCommit } })).rejects.toMatchObject({
      code: "repo_clone_failed",
    });
    // Another project with a credential of its own gets an entry of its own.
    const c = await checkout("private", "project-c", owner);
    expect(c.stats).toMatchObject({ cache: "miss", scope: "project" });
    await c.remove();
    expect(existsSync(cacheEntry(cacheDir, url("private"), { kind: "shared" }))).toBe(false);
  });

  it("a commit the remote no longer serves is refused although the shared cache still holds it", async () => {
    const src = serveRepo("rewritten", { "a.txt": "1\n" });
    const base = git(src, "rev-parse", "HEAD");
    const leaked = commitAndPush(src, "leak.txt", "oops\n");
    // The cache entry is shared only for public remotes; make this one public for the test.
    const open = await startGitHttpsServer({ public: ["rewritten.git"] });
    try {
      git(
        root,
        "clone",
        "-q",
        "--bare",
        path.join(server.root, "rewritten.git"),
        path.join(open.root, "rewritten.git"),
      );
      const openUrl = `https://localhost:${open.port}/rewritten.git`;
      const run = (commit?: string) =>
        cachedCheckout(
          { url: openUrl, ...(commit ? { commit } : {}) },
          {
            cache: { dir: cacheDir, maxMb: 1024 },
            scope: { kind: "shared" },
            history: "shallow",
            jobId,
            workDir: work,
            git: {
              timeoutMs: 30_000,
              hostPath: process.env.PATH ?? "/usr/bin:/bin",
              env: { GIT_SSL_CAINFO: open.caFile },
            },
          },
        );
      const first = await run();
      expect(first.baseCommit).toBe(leaked);
      await first.remove();
      // The owner rewrites history: the leaked commit is on no branch of the remote any more.
      git(path.join(open.root, "rewritten.git"), "update-ref", "refs/heads/main", base);
      git(path.join(open.root, "rewritten.git"), "reflog", "expire", "--expire=now", "--all");
      git(path.join(open.root, "rewritten.git"), "gc", "-q", "--prune=now");
      await expect(run(leaked)).rejects.toMatchObject({ code: "repo_clone_failed" });
      const again = await run(base);
      expect(again.baseCommit).toBe(base);
      await again.remove();
    } finally {
      await open.close();
    }
  });

  it("a sandbox removed before its checkout streams in: the fill fails, host git stops at once, and the job's stop later leaves nothing unhandled", async () => {
    // Far more than the pipes between host git and the reader hold: git would block on a write.
    serveRepo("big", { "blob.txt": randomBytes(3 * 1024 * 1024).toString("base64") });
    const stop = new AbortController();
    const held = await checkout("big", "p", {}, { signal: stop.signal });
    const entry = cacheEntry(cacheDir, url("big"), { kind: "shared" });
    try {
      const box = await provider.create({ jobId });
      await box.destroy();
      await expect(held.fill(box)).rejects.toThrow(/destroyed/);
      await expect.poll(() => gitProcessesIn(entry), { timeout: 10_000 }).toEqual([]);
      // Was: git blocked until the job was stopped, then its error, with no reader left, ended the worker.
      stop.abort();
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await held.remove();
    }
  });

  it("the sweep removes the least recently used entries beyond the bound, never one in use", async () => {
    const held = await checkout("public", "p", {});
    const result = await sweepGitCache(cacheDir, 1);
    const inUse = cacheEntry(cacheDir, url("public"), { kind: "shared" });
    expect(result.removed).not.toContain(inUse);
    expect(result.removed.length).toBeGreaterThan(0);
    expect(existsSync(inUse)).toBe(true);
    await held.remove();
    expect((await sweepGitCache(cacheDir, 1)).removed).toContain(inUse);
  });

  it("a fetch records the entry's size, and the sweep goes by that record instead of walking the entry", async () => {
    const held = await checkout("public", "p", {});
    await held.remove();
    const entry = cacheEntry(cacheDir, url("public"), { kind: "shared" });
    const recorded = Number(readFileSync(path.join(entry, SIZE_RECORD), "utf8"));
    expect(recorded).toBeGreaterThan(0);
    // Walked, the entry is a few KB, far under the bound; by its record it is far over it.
    writeFileSync(path.join(entry, SIZE_RECORD), `${50 * 1024 ** 3}\n`);
    expect((await sweepGitCache(cacheDir, 10 * 1024 ** 3)).removed).toContain(entry);
  });

  it("an entry from before the record is walked once and then goes by the size the walk recorded", async () => {
    const held = await checkout("public", "p", {});
    await held.remove();
    const entry = cacheEntry(cacheDir, url("public"), { kind: "shared" });
    rmSync(path.join(entry, SIZE_RECORD));
    await sweepGitCache(cacheDir, 10 * 1024 ** 3);
    const walked = Number(readFileSync(path.join(entry, SIZE_RECORD), "utf8"));
    expect(walked).toBeGreaterThan(0);
    expect(walked).toBeLessThan(10 * 1024 ** 2);
  });
});
