import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sweepWorkDir } from "./work-dir-sweep.js";

let work: string;
const servers: Server[] = [];

/** Sets a path's modification time `hours` back. */
function age(file: string, hours: number): string {
  const when = new Date(Date.now() - hours * 3600_000);
  utimesSync(file, when, when);
  return file;
}

/** A socket folder as the doors make one; `live` keeps a listener on its socket. */
async function door(root: string, name: string, socket: string, live: boolean): Promise<string> {
  const dir = path.join(work, root, name);
  mkdirSync(dir, { recursive: true });
  const server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(path.join(dir, socket), resolve));
  if (live) servers.push(server);
  // A closed server removes its socket file; a killed worker's stays: put one back.
  else await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!live) writeFileSync(path.join(dir, socket), "");
  return dir;
}

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), "pb-sweep-"));
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(work, { recursive: true, force: true });
});

describe("sweepWorkDir", () => {
  it("removes clones and environment copies older than any job, keeps younger ones and other folders", async () => {
    const oldClone = age(mkdtempSync(path.join(work, "clone-")), 26);
    const youngClone = age(mkdtempSync(path.join(work, "clone-")), 23);
    const oldTar = path.join(work, "env-job1-ab12.tar");
    writeFileSync(oldTar, "x");
    age(oldTar, 30);
    const cache = age(mkdtempSync(path.join(work, "git-cache")), 48);
    const removed = await sweepWorkDir(work);
    expect(removed.sort()).toEqual([oldClone, oldTar].sort());
    expect(existsSync(youngClone)).toBe(true);
    expect(existsSync(cache)).toBe(true);
  });

  it("removes socket folders nobody listens on, keeps live ones and ones just made", async () => {
    const dead = age(await door("run", "a1", "run.sock", false), 1);
    const live = age(await door("run", "b2", "run.sock", true), 1);
    const deadEgress = age(await door("egress", "job-setup-x1", "proxy.sock", false), 1);
    const justMade = await door("egress", "job-setup-x2", "proxy.sock", false);
    const empty = age(mkdtempSync(path.join(work, "run", "c3")), 1);
    const removed = await sweepWorkDir(work);
    expect(removed.sort()).toEqual([dead, deadEgress, empty].sort());
    expect(existsSync(live)).toBe(true);
    expect(existsSync(justMade)).toBe(true);
  });

  it("is a no-op on a work dir that does not exist yet", async () => {
    expect(await sweepWorkDir(path.join(work, "missing"))).toEqual([]);
  });
});
