import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostLauncher, launchHost, spawnDirect } from "./launch.js";
import { HostLauncher, type HostProcess, killGroup, LauncherFault } from "./launcher.js";

const ENV = { PATH: "/usr/bin:/bin" };
const run = promisify(execFile);
let launcher: HostLauncher;

beforeAll(async () => {
  launcher = await HostLauncher.start();
});

afterAll(() => launcher.close());

async function collect(proc: HostProcess): Promise<{ out: Buffer; err: string; code: number | null }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  proc.stdout.on("data", (c: Buffer) => out.push(c));
  proc.stderr.on("data", (c: Buffer) => err.push(c));
  const { code } = await proc.closed;
  return { out: Buffer.concat(out), err: Buffer.concat(err).toString(), code };
}

/** Whether `pid` runs (a zombie waiting for a parent that is not ours to reap it does not). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

describe("HostLauncher", () => {
  it("runs a process with its stdout, stderr, exit code, working folder and environment", async () => {
    const script = 'printf "%s|%s" "$PWD" "$GREETING"; echo oops >&2; exit 3';
    const proc = await launcher.launch("sh", ["-c", script], { cwd: "/tmp", env: { ...ENV, GREETING: "hi" } });
    expect(await collect(proc)).toEqual({ out: Buffer.from("/tmp|hi"), err: "oops\n", code: 3 });
  });

  it("feeds stdin to the process and streams 5 MiB of binary output whole, in order", async () => {
    const input = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const proc = await launcher.launch("sh", ["-c", "cat; head -c 5242880 /dev/zero | tr '\\0' '\\377'"], {
      env: ENV,
      stdin: true,
    });
    proc.stdin!.end(input);
    const { out, code } = await collect(proc);
    expect(code).toBe(0);
    expect(out.length).toBe(256 + 5 * 1024 * 1024);
    expect(out.subarray(0, 256)).toEqual(input);
    expect(out.subarray(256).every((b) => b === 0xff)).toBe(true);
  });

  it("starts the process in a group of its own, which killGroup ends with its children", async () => {
    const proc = await launcher.launch("sh", ["-c", "sleep 30 & echo $!; wait"], { env: ENV });
    const lines: string[] = [];
    proc.stdout.on("data", (c: Buffer) => lines.push(c.toString()));
    while (lines.join("").trim() === "") await sleep(10);
    const grandchild = Number(lines.join("").trim());
    expect(alive(grandchild)).toBe(true);
    killGroup(proc.pid, "SIGKILL");
    expect(await proc.closed).toEqual({ code: null, signal: "SIGKILL" });
    for (let i = 0; i < 100 && alive(grandchild); i++) await sleep(10);
    expect(alive(grandchild)).toBe(false);
  });

  it("refuses a program that does not exist with the reason", async () => {
    await expect(launcher.launch("no-such-program-here", [], { env: ENV })).rejects.toThrow(/could not start .*ENOENT/);
  });

  it("runs many processes at once, each with its own output", async () => {
    const procs = await Promise.all(
      Array.from({ length: 40 }, (_, i) => launcher.launch("sh", ["-c", `echo ${i}`], { env: ENV })),
    );
    const outs = await Promise.all(procs.map((p) => collect(p)));
    expect(outs.map((o) => o.out.toString().trim())).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });

  it("when its helper dies, kills what it started and refuses new launches; a new launcher works", async () => {
    const own = await HostLauncher.start();
    const proc = await own.launch("sleep", ["30"], { env: ENV });
    own.close();
    expect(await proc.closed).toEqual({ code: null, signal: "SIGKILL" });
    for (let i = 0; i < 100 && alive(proc.pid); i++) await sleep(10);
    expect(alive(proc.pid)).toBe(false);
    expect(own.alive).toBe(false);
    await expect(own.launch("true", [], { env: ENV })).rejects.toBeInstanceOf(LauncherFault);
  });

  it("starts the same way straight from the worker when no launcher can be had", async () => {
    const proc = await spawnDirect("sh", ["-c", "cat; echo done >&2; exit 4"], { env: ENV, stdin: true });
    proc.stdin!.end("fed");
    expect(await collect(proc)).toEqual({ out: Buffer.from("fed"), err: "done\n", code: 4 });
    expect(proc.exited).toBe(true);
    await expect(spawnDirect("no-such-program-here", [], { env: ENV })).rejects.toThrow(/ENOENT/);
  });

  it("leaves no socket folder behind when the process that started it ends without closing it, or is killed", async () => {
    const script = path.join(mkdtempSync(path.join(tmpdir(), "pb-launcher-test-")), "use.mts");
    writeFileSync(
      script,
      `import { HostLauncher } from ${JSON.stringify(path.join(import.meta.dirname, "launcher.ts"))};\n` +
        "const l = await HostLauncher.start();\n" +
        'const p = await l.launch("true", [], { env: { PATH: "/usr/bin:/bin" } });\n' +
        "p.stdout.resume(); p.stderr.resume(); await p.closed;\n" +
        "console.log(l.socketDir);\n",
    );
    const { stdout } = await run(process.execPath, ["--import", "tsx", script], { cwd: import.meta.dirname });
    const dir = stdout.trim();
    expect(dir).toMatch(/pb-launch-/);
    expect(existsSync(dir)).toBe(false);
    // Killed: its exit handlers never run; the launcher, whose IPC channel closes, removes the folder.
    writeFileSync(script, `${readFileSync(script, "utf8")}process.kill(process.pid, "SIGKILL");\n`);
    const killed = await run(process.execPath, ["--import", "tsx", script], { cwd: import.meta.dirname }).catch(
      (err: { stdout: string }) => err,
    );
    const killedDir = killed.stdout.trim();
    expect(killedDir).toMatch(/pb-launch-/);
    for (let i = 0; i < 100 && existsSync(killedDir); i++) await sleep(20);
    expect(existsSync(killedDir)).toBe(false);
    rmSync(path.dirname(script), { recursive: true, force: true });
  });

  it("when its socket folder is removed (a temp cleaner), the process still starts and a new launcher takes over", async () => {
    const old = await hostLauncher();
    expect(old?.alive).toBe(true);
    rmSync(old!.socketDir, { recursive: true, force: true });
    await expect(old!.launch("true", [], { env: ENV })).rejects.toBeInstanceOf(LauncherFault);
    const proc = await launchHost("sh", ["-c", "echo still here"], { env: ENV });
    expect((await collect(proc)).out.toString()).toBe("still here\n");
    expect(old!.alive).toBe(false);
    const next = await hostLauncher();
    expect(next).not.toBe(old);
    const again = await launchHost("sh", ["-c", "echo new launcher"], { env: ENV });
    expect((await collect(again)).out.toString()).toBe("new launcher\n");
    expect(existsSync(next!.socketDir)).toBe(true);
  });
});
