import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ProjectCaches } from "./project-caches.js";
import { CACHE_MOUNT } from "./setup-env.js";

let root: string;
const made: string[] = [];

function setup() {
  root = mkdtempSync(path.join(tmpdir(), "pb-caches-"));
  made.push(root);
  const caches = new ProjectCaches(path.join(root, "caches"), pino({ level: "silent" }));
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

describe("ProjectCaches", () => {
  it("lends a project's cache into a sandbox's folder and takes back what setup left there", async () => {
    const { caches, lendDir } = setup();
    const dir = caches.dir("inst", "proj");
    const box = lendDir("box1");
    const lent = await caches.lend(dir, box);
    expect(mode(box)).toBe(0o777);
    mkdirSync(path.join(box, "npm"));
    writeFileSync(path.join(box, "npm", "tarball"), "bytes");
    await lent.giveBack();
    await lent.giveBack();
    expect(mode(box)).toBe(0o755);
    expect(readdirSync(box)).toEqual([]);
    expect(readFileSync(path.join(dir, "npm", "tarball"), "utf8")).toBe("bytes");

    const next = lendDir("box2");
    const again = await caches.lend(dir, next);
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
    const first = await caches.lend(dir, lendDir("one"));
    const second = await caches.lend(dir, lendDir("two"));
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
    expect(await caches.mount(dir)).toEqual({ type: "bind", source: dir, target: CACHE_MOUNT, readOnly: false });
    expect(mode(dir)).toBe(0o777);
  });
});
