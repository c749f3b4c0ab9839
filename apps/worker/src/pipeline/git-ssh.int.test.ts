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
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cachedCheckout } from "./cached-checkout.js";
import { cloneRepository } from "./clone.js";
import { pushBranch } from "./push.js";
import { checkRepoTarget, type Resolver, repoTargetEnv } from "./repo-target.js";

// No sshd on this machine: git runs a stand-in `ssh` (first on PATH, as the real one would be
// found) that records its arguments and process group, starts a helper and hangs. Nothing
// leaves the host: the stand-in connects nowhere, and `ssh -G` only prints the configuration.
const URL = "ssh://git@git.pinned.invalid:2222/team/app.git";
const CHECKED = "93.184.216.34";
let root: string;
let bin: string;
let records: string;
let work: string;
let hostPath: string;

// The name answers a public address once, then this machine: what a rebinding DNS server does.
function rebindingResolver(): Resolver {
  let calls = 0;
  return async () => [{ address: calls++ === 0 ? CHECKED : "127.0.0.1", family: 4 }];
}

async function pinnedEnv(): Promise<Record<string, string>> {
  const target = await checkRepoTarget(URL, { allowPrivate: false, resolve: rebindingResolver() });
  return repoTargetEnv({}, target);
}

interface StandIn {
  argv: string[];
  pgid: number;
  pids: number[];
}

async function waitFor<T>(probe: () => T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The one stand-in run so far, once it has written everything. */
function standIn(): StandIn | undefined {
  const done = readdirSync(records).find((f) => f.startsWith("pids."));
  if (!done) return undefined;
  const id = done.slice("pids.".length);
  const read = (name: string) => readFileSync(path.join(records, `${name}.${id}`), "utf8");
  const ran = {
    argv: read("argv").split("\n").slice(0, -1),
    pgid: Number(read("pgid").trim()),
    pids: read("pids").trim().split(/\s+/).map(Number),
  };
  // Killing pid 0 would kill this test's own process group (the whole test run).
  if (!(ran.pgid > 1) || ran.pids.length !== 2 || !ran.pids.every((pid) => pid > 1)) {
    throw new Error(`the stand-in wrote unusable pids: ${JSON.stringify(ran)}`);
  }
  return ran;
}

/**
 * Processes of the stand-in's group, or that it started, that still run. A zombie has ended (only
 * its exit status waits for this machine's init to collect it), so it does not count.
 */
function running(ran: StandIn): string[] {
  return execFileSync("ps", ["-e", "-o", "pid=,pgid=,stat=,comm="], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , stat]) => stat !== undefined && !stat.startsWith("Z"))
    .filter(([pid, pgid]) => pgid === String(ran.pgid) || ran.pids.includes(Number(pid)))
    .map((fields) => fields.join(" "));
}

/** Expects every process of the group to end within 2 s of the failure; kills leftovers after. */
async function expectGroupGone(ran: StandIn): Promise<void> {
  let left = running(ran);
  for (let i = 0; i < 40 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = running(ran);
  }
  try {
    expect(left).toEqual([]);
  } finally {
    // Only what still runs: a pid that ended may already name another process on this machine.
    for (const pid of left.map((line) => Number(line.split(" ")[0]))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Gone, as it should be.
      }
    }
  }
}

/** What real ssh makes of the stand-in's arguments: where it would connect, which key name it checks. */
function sshConfig(argv: string[]): Record<string, string> {
  const out = execFileSync("/usr/bin/ssh", ["-G", ...argv], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  return Object.fromEntries(out.split("\n").map((line) => [line.split(" ")[0]!, line.slice(line.indexOf(" ") + 1)]));
}

function expectPinned(ran: StandIn): void {
  const config = sshConfig(ran.argv);
  expect(config.hostname).toBe(CHECKED);
  expect(config.hostkeyalias).toBe("[git.pinned.invalid]:2222");
  expect(config.port).toBe("2222");
  expect(config.user).toBe("git");
}

const pushRequest = (env: Record<string, string>) => ({
  remote: URL,
  baseCommit: "0".repeat(40),
  patch: "",
  branch: "patchbay/pinned",
  force: false,
  author: { name: "t", email: "t@localhost" },
  message: "m",
  workDir: work,
  hostPath,
  env,
});

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), "patchbay-git-ssh-"));
  bin = path.join(root, "bin");
  records = path.join(root, "records");
  work = path.join(root, "work");
  for (const dir of [bin, records, work]) mkdirSync(dir);
  hostPath = `${bin}:/usr/local/bin:/usr/bin:/bin`;
  const script = [
    "#!/bin/sh",
    `r='${records}'`,
    `printf '%s\\n' "$@" > "$r/argv.$$"`,
    `ps -o pgid= -p $$ > "$r/pgid.$$"`,
    "sleep 300 &",
    // Renamed into place: the test polls for this file, and an empty one would read as pid 0.
    `echo "$$ $!" > "$r/tmp.$$" && mv "$r/tmp.$$" "$r/pids.$$"`,
    "exec sleep 300",
  ].join("\n");
  writeFileSync(path.join(bin, "ssh"), `${script}\n`);
  chmodSync(path.join(bin, "ssh"), 0o755);
});

afterEach(() => {
  for (const f of readdirSync(records)) rmSync(path.join(records, f));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("git over ssh on the host", () => {
  it("clones from the checked address, and a time-out leaves no process of the group", async () => {
    const clone = cloneRepository({ url: URL }, work, { timeoutMs: 1_500, hostPath, env: await pinnedEnv() });
    await expect(clone).rejects.toMatchObject({
      code: "repo_clone_failed",
      message: expect.stringContaining("timed out"),
    });
    const ran = await waitFor(standIn);
    expectPinned(ran);
    await expectGroupGone(ran);
  });

  it("a cancelled clone leaves no process of the group", async () => {
    const abort = new AbortController();
    const clone = cloneRepository({ url: URL }, work, {
      timeoutMs: 60_000,
      hostPath,
      env: await pinnedEnv(),
      signal: abort.signal,
    });
    const ran = await waitFor(standIn);
    abort.abort();
    await expect(clone).rejects.toMatchObject({ code: "repo_clone_failed" });
    expectPinned(ran);
    await expectGroupGone(ran);
  });

  it("fetches into the git cache from the checked address; a time-out leaves no process and frees the cache", async () => {
    const options = async (timeoutMs: number, signal?: AbortSignal) => ({
      cache: { dir: path.join(root, "git-cache"), maxMb: 64 },
      scope: { kind: "shared" as const },
      history: "shallow" as const,
      jobId: "ssh-pinned",
      workDir: work,
      git: { timeoutMs, hostPath, env: await pinnedEnv(), ...(signal ? { signal } : {}) },
    });
    const fetch = cachedCheckout({ url: URL }, await options(1_500));
    await expect(fetch).rejects.toMatchObject({
      code: "repo_clone_failed",
      message: expect.stringContaining("timed out"),
    });
    const ran = await waitFor(standIn);
    expectPinned(ran);
    await expectGroupGone(ran);
    for (const f of readdirSync(records)) rmSync(path.join(records, f));
    // The lock went with the failed fetch: a cancelled second one gets as far as ssh.
    const abort = new AbortController();
    const second = cachedCheckout({ url: URL }, await options(60_000, abort.signal));
    const again = await waitFor(standIn);
    abort.abort();
    await expect(second).rejects.toMatchObject({ code: "repo_clone_failed" });
    await expectGroupGone(again);
    expect(readdirSync(path.join(root, "git-cache"))).toEqual([]);
  });

  it("pushes to the checked address, and a time-out leaves no process of the group", async () => {
    const started = Date.now();
    const push = pushBranch({ ...pushRequest(await pinnedEnv()), timeoutMs: 1_500 });
    await expect(push).rejects.toMatchObject({ code: "push_failed" });
    expect(Date.now() - started).toBeLessThan(10_000);
    const ran = await waitFor(standIn);
    expectPinned(ran);
    await expectGroupGone(ran);
  });

  it("a cancelled push leaves no process of the group", async () => {
    const abort = new AbortController();
    const push = pushBranch({ ...pushRequest(await pinnedEnv()), timeoutMs: 60_000, signal: abort.signal });
    const ran = await waitFor(standIn);
    abort.abort();
    await expect(push).rejects.toMatchObject({ code: "push_failed" });
    expectPinned(ran);
    await expectGroupGone(ran);
    expect(existsSync(work) && readdirSync(work)).toEqual([]);
  });
});
