import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { CACHE_LOCKS, CACHE_USES } from "./project-cache-sweep.js";
import { type LentCache, type ProjectCacheLimits, ProjectCaches } from "./project-caches.js";
import { CACHE_MOUNT } from "./setup-env.js";

let root: string;
const made: string[] = [];

function setup(limits?: ProjectCacheLimits) {
  root = mkdtempSync(path.join(tmpdir(), "pb-caches-"));
  made.push(root);
  const caches = new ProjectCaches(path.join(root, "caches"), pino({ level: "silent" }), limits);
  const lendDir = (name: string) => {
    const dir = path.join(root, name);
    mkdirSync(dir, { mode: 0o755 });
    return dir;
  };
  return { caches, lendDir };
}

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string) => statSync(p).mode & 0o777;

function must<T>(value: T | null): T {
  if (value === null) throw new Error("the cache was not lent");
  return value;
}

/** A cache of `bytes` last used `hoursAgo` hours ago, made through a lend and its give-back. */
async function usedCache(caches: ProjectCaches, project: string, bytes: number, hoursAgo: number): Promise<string> {
  const dir = caches.dir("inst", project);
  const box = path.join(root, `box-${project}`);
  mkdirSync(box);
  const lent = must(await caches.lend(dir, box));
  writeFileSync(path.join(box, "npm"), "x".repeat(bytes));
  await lent.giveBack();
  const at = new Date(Date.now() - hoursAgo * 3600_000);
  utimesSync(dir, at, at);
  return dir;
}

const NO_SWEEP_AFTER_USE = Number.POSITIVE_INFINITY;

describe("ProjectCaches", () => {
  it("lends a project's cache into a sandbox's folder and takes back what setup left there", async () => {
    const { caches, lendDir } = setup();
    const dir = caches.dir("inst", "proj");
    const box = lendDir("box1");
    const lent = must(await caches.lend(dir, box));
    expect(mode(box)).toBe(0o777);
    mkdirSync(path.join(box, "npm"));
    writeFileSync(path.join(box, "npm", "tarball"), "bytes");
    await lent.giveBack();
    await lent.giveBack();
    expect(mode(box)).toBe(0o755);
    expect(readdirSync(box)).toEqual([]);
    expect(readFileSync(path.join(dir, "npm", "tarball"), "utf8")).toBe("bytes");

    const next = lendDir("box2");
    const again = must(await caches.lend(dir, next));
    expect(readFileSync(path.join(next, "npm", "tarball"), "utf8")).toBe("bytes");
    expect(readdirSync(dir)).toEqual([]);
    await again.giveBack();
    expect(readdirSync(dir)).toEqual(["npm"]);
  });

  it("keeps projects apart, and two setups at once: the first given back wins", async () => {
    const { caches, lendDir } = setup();
    expect(caches.dir("inst", "a")).not.toBe(caches.dir("inst", "b"));
    expect(caches.dir("inst", "../a")).toBe(path.join(root, "caches", "inst-.._a"));
    const dir = caches.dir("inst", "a");
    const first = must(await caches.lend(dir, lendDir("one")));
    const second = must(await caches.lend(dir, lendDir("two")));
    writeFileSync(path.join(root, "one", "pip"), "first");
    writeFileSync(path.join(root, "two", "pip"), "second");
    await first.giveBack();
    await second.giveBack();
    expect(readFileSync(path.join(dir, "pip"), "utf8")).toBe("first");
    expect(readdirSync(path.join(root, "two"))).toEqual([]);
  });

  it("mounts the cache at CACHE_MOUNT for a sandbox without a lend folder, writable by the sandbox user", async () => {
    const { caches } = setup();
    const dir = caches.dir("inst", "p");
    const held = must(await caches.mount(dir));
    expect(held.mount).toEqual({ type: "bind", source: dir, target: CACHE_MOUNT, readOnly: false });
    expect(mode(dir)).toBe(0o777);
    await held.lent.giveBack();
  });
});

describe("ProjectCaches over their cap", () => {
  it("removes whole caches, least recently used first, until all fit; never one a setup is using", async () => {
    const { caches } = setup({ maxBytes: 2500, sweepAfterUseEveryMs: NO_SWEEP_AFTER_USE });
    const old = await usedCache(caches, "old", 1000, 3);
    const mid = await usedCache(caches, "mid", 1000, 2);
    const recent = await usedCache(caches, "recent", 1000, 1);
    // The oldest of all, but mounted in a setup sandbox right now.
    const busy = await usedCache(caches, "busy", 1000, 4);
    const held = must(await caches.mount(busy));
    const at = new Date(Date.now() - 4 * 3600_000);
    utimesSync(busy, at, at);

    await caches.sweep();
    expect([old, mid, recent, busy].map((d) => existsSync(d))).toEqual([false, false, true, true]);
    expect(readFileSync(path.join(busy, "npm"), "utf8")).toHaveLength(1000);

    // Given back, it is the most recently used: under a tighter cap the other goes first.
    await held.lent.giveBack();
    const tighter = new ProjectCaches(path.join(root, "caches"), pino({ level: "silent" }), {
      maxBytes: 1000,
      sweepAfterUseEveryMs: NO_SWEEP_AFTER_USE,
    });
    await tighter.sweep();
    expect([recent, busy].map((d) => existsSync(d))).toEqual([false, true]);
  });

  it("leaves a cache locked by a live worker alone, and frees one a killed worker marked in use a day ago", async () => {
    const { caches } = setup({ maxBytes: 0, sweepAfterUseEveryMs: NO_SWEEP_AFTER_USE });
    const locked = await usedCache(caches, "locked", 10, 2);
    const stale = await usedCache(caches, "stale", 10, 1);
    writeFileSync(path.join(root, "caches", CACHE_LOCKS, "inst-locked.lock"), `${process.pid}@${hostname()}`);
    const marker = path.join(root, "caches", CACHE_USES, "inst-stale", "4242-dead");
    writeFileSync(marker, "");
    const dayAgo = new Date(Date.now() - 26 * 3600_000);
    utimesSync(marker, dayAgo, dayAgo);

    await caches.sweep();
    expect(existsSync(locked)).toBe(true);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(marker)).toBe(false);
  });

  it("a lend after a removal starts from an empty cache; the next give-back sweeps in the background", async () => {
    const { caches } = setup({ maxBytes: 500, sweepAfterUseEveryMs: 0 });
    const dir = await usedCache(caches, "p", 1000, 1);
    await expect.poll(() => existsSync(dir)).toBe(false);
    const box = path.join(root, "box-again");
    mkdirSync(box);
    const lent: LentCache = must(await caches.lend(dir, box));
    expect(readdirSync(box)).toEqual([]);
    await lent.giveBack();
    expect(existsSync(dir)).toBe(true);
  });
});
