import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunnerDoor } from "./runner-door.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
let root: string;
let door: RunnerDoor;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "pb-door-"));
  door = await RunnerDoor.open(root);
});

afterEach(async () => {
  await door.close();
  await rm(root, { recursive: true, force: true });
});

/** Connects to the door and writes `hello` (possibly in pieces). */
async function dial(...pieces: string[]): Promise<Socket> {
  const socket = connect(join(door.hostDir, "run.sock"));
  socket.on("error", () => undefined);
  await new Promise((resolve) => socket.once("connect", resolve));
  for (const p of pieces) {
    socket.write(p);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return socket;
}

const closed = (s: Socket) => new Promise((resolve) => (s.closed ? resolve(true) : s.once("close", resolve)));

describe("RunnerDoor", () => {
  it("hands over the three announced streams once, bytes after the hello included", async () => {
    const wait = door.expect(TOKEN);
    const i = await dial(TOKEN.slice(0, 10), `${TOKEN.slice(10)}i`);
    const o = await dial(`${TOKEN}oearly output`);
    const e = await dial(`${TOKEN}e`);
    const streams = await wait.promise;
    const got: Buffer[] = [];
    streams.stdout.on("data", (c: Buffer) => got.push(c));
    streams.stdout.resume();
    o.end(" and more");
    await new Promise((resolve) => streams.stdout.once("end", resolve));
    expect(Buffer.concat(got).toString()).toBe("early output and more");
    streams.stdin.write("request");
    const seen = await new Promise<string>((resolve) => i.once("data", (c: Buffer) => resolve(c.toString())));
    expect(seen).toBe("request");
    // Spent: the same token again is dropped.
    const again = await dial(`${TOKEN}i`);
    await closed(again);
    for (const s of [i, o, e]) s.destroy();
  });

  it("drops connections with an unknown token, a bad role, or a second stream of a role", async () => {
    const wait = door.expect(TOKEN);
    const stranger = await dial(`${"f".repeat(32)}i`);
    const badRole = await dial(`${TOKEN}x`);
    const first = await dial(`${TOKEN}o`);
    const second = await dial(`${TOKEN}o`);
    await Promise.all([closed(stranger), closed(badRole), closed(second)]);
    expect(first.closed).toBe(false);
    wait.cancel();
    await closed(first);
  });

  it("is a folder of its own that only its owner can list, removed on close", async () => {
    expect((await stat(door.hostDir)).mode & 0o777).toBe(0o711);
    expect((await stat(join(door.hostDir, "run.sock"))).isSocket()).toBe(true);
    const other = await RunnerDoor.open(root);
    expect(other.hostDir).not.toBe(door.hostDir);
    await other.close();
    expect(existsSync(other.hostDir)).toBe(false);
  });
});
