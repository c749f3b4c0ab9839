import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { tarDirectory } from "./tar-io.js";
import { remaining, testProvider, uniqueJobId } from "./test-support.js";

// Each test fails without its protection: no pids limit → no pids_limit reason; no memory
// limit → no oom; no tmpfs size → no disk_limit; a network → the connect succeeds; and so on.
const provider = testProvider();
const jobId = uniqueJobId("security");
const SECRET = `leak-check-${process.pid}-${Date.now()}`;
let sandbox: DockerSandbox;

beforeAll(async () => {
  // The worker's own environment holds secrets; none of it may reach the sandbox.
  process.env.OPENAI_API_KEY = `sk-${SECRET}`;
  process.env.DATABASE_URL = `postgresql://u:${SECRET}@127.0.0.1:5432/db`;
  process.env.PATCHBAY_LEAK_CHECK = SECRET;
  sandbox = await provider.create({ jobId, memoryMb: 256, pidsLimit: 64, workspaceMb: 32 });
});

afterAll(async () => {
  delete process.env.OPENAI_API_KEY;
  delete process.env.DATABASE_URL;
  delete process.env.PATCHBAY_LEAK_CHECK;
  await provider.destroyForJob(jobId);
  expect(await remaining(provider, jobId)).toBe(0);
});

describe("sandbox security", () => {
  it("contains a fork bomb at the pids limit; the worker and the sandbox live on", async () => {
    const bomb = await sandbox.exec("bomb() { bomb | bomb; }; bomb", { timeoutMs: 4000 });
    expect(bomb.reason).toBe("pids_limit");
    expect(process.memoryUsage().rss).toBeGreaterThan(0); // this process (the worker) is alive
    const after = await sandbox.exec("echo alive; ls /proc | grep -c '^[0-9]'", { timeoutMs: 20_000 });
    expect(after.stdout.split("\n")[0]).toBe("alive");
    // Nothing of the bomb is left: what outlived TERM got KILL (the pids limit is 64).
    expect(Number(after.stdout.split("\n")[1])).toBeLessThan(20);
  });

  it("stops a timed-out command's whole group, also a child that ignores TERM", async () => {
    const stopped = await sandbox.exec("(trap '' TERM; exec sleep 301) & sleep 300", { timeoutMs: 500 });
    expect(stopped.timedOut).toBe(true);
    const left = await sandbox.exec("ps -eo args | grep -c '[s]leep 30[01]'", { timeoutMs: 10_000 });
    expect(left.stdout.trim()).toBe("0");
  });

  it("reports the pids limit for the command that hit it, not for the next one in a shell that waited beside it", async () => {
    // Two shells, each with its next command's subshell forked and waiting.
    await Promise.all([sandbox.exec("true"), sandbox.exec("true")]);
    const bomb = await sandbox.exec("bomb() { bomb | bomb; }; bomb", { timeoutMs: 4000 });
    expect(bomb.reason).toBe("pids_limit");
    // A failing command is where the counters decide the reason.
    const next = await sandbox.exec("echo clean; exit 3", { timeoutMs: 20_000 });
    expect(next).toMatchObject({ exitCode: 3, stdout: "clean\n" });
    expect(next.reason).toBeUndefined();
  });

  it("ends a memory hog as oom", async () => {
    const hog = await sandbox.exec("python3 -c \"x = b'x' * (400 * 1024 * 1024); print(len(x))\"", {
      timeoutMs: 30_000,
    });
    expect(hog.exitCode).toBe(137);
    expect(hog.reason).toBe("oom");
  });

  it("fails a write past the workspace size limit with disk_limit", async () => {
    const fill = await sandbox.exec("head -c 100000000 /dev/zero > /workspace/big", { timeoutMs: 30_000 });
    expect(fill.exitCode).not.toBe(0);
    expect(fill.reason).toBe("disk_limit");
    await sandbox.exec("rm -f /workspace/big");
  });

  it("reaches no TCP address, not even the host's Postgres on 127.0.0.1:5432", async () => {
    const probe = (host: string, port: number) =>
      sandbox.exec(
        `python3 -c "import socket; socket.create_connection(('${host}', ${port}), timeout=2); print('open')"`,
        {
          timeoutMs: 10_000,
        },
      );
    for (const [host, port] of [
      ["127.0.0.1", 5432],
      ["127.0.0.1", 6379],
      ["1.1.1.1", 443],
      ["10.0.0.1", 80],
    ] as const) {
      const result = await probe(host, port);
      expect(result.exitCode, `${host}:${port}`).not.toBe(0);
      expect(result.stdout).not.toContain("open");
    }
    const curl = await sandbox.exec("exec 3<>/dev/tcp/127.0.0.1/5432 && echo open", { timeoutMs: 10_000 });
    expect(curl.stdout).not.toContain("open");
  });

  it("has no Docker socket and does not run as root", async () => {
    const socket = await sandbox.exec("ls -la /var/run/docker.sock /run/docker.sock");
    expect(socket.exitCode).not.toBe(0);
    expect((await sandbox.exec("id -u")).stdout.trim()).not.toBe("0");
    expect((await sandbox.exec("id -u")).stdout.trim()).toBe("1000");
  });

  it("holds nothing from the worker's environment, in env or in files", async () => {
    const env = await sandbox.exec("env; cat /proc/1/environ /proc/self/environ | tr '\\0' '\\n'");
    expect(env.stdout).not.toContain(SECRET);
    expect(env.stdout).not.toMatch(/^(OPENAI_API_KEY|DATABASE_URL|PATCHBAY_LEAK_CHECK)=/m);
    const files = await sandbox.exec(
      `grep -rIls -- '${SECRET}' /workspace /tmp /home /etc /run /dev/shm /opt /root 2>/dev/null; true`,
      { timeoutMs: 30_000 },
    );
    expect(files.stdout).toBe("");
  });

  it("keeps the worker's memory bounded while a command prints 200 MB", async () => {
    let streamed = 0;
    const before = process.memoryUsage().rss;
    const result = await sandbox.exec("head -c 200000000 /dev/zero | tr '\\0' x", {
      timeoutMs: 120_000,
      onOutput: (_stream, text) => {
        streamed += text.length;
      },
    });
    const growth = process.memoryUsage().rss - before;
    expect(result.exitCode).toBe(0);
    expect(result.truncatedBytes).toBeGreaterThan(190_000_000);
    expect(streamed).toBeLessThan(20_000_000);
    expect(growth).toBeLessThan(150 * 1024 * 1024);
  });

  it("copies symlinks to host paths in and out as symlinks, never following them", async () => {
    const repo = mkdtempSync(join(tmpdir(), "patchbay-symlinks-"));
    const hostCanary = join(repo, "..", `patchbay-canary-${process.pid}`);
    try {
      writeFileSync(join(repo, "ok.txt"), "fine\n");
      symlinkSync("/etc/passwd", join(repo, "evil"));
      symlinkSync("/", join(repo, "dir"));
      symlinkSync(hostCanary, join(repo, "canary"));
      await sandbox.exec("mkdir -p /workspace/links");
      await sandbox.putTar(tarDirectory(repo));
      const inside = await sandbox.exec("readlink evil dir; echo pwned > canary; cat /workspace/canary 2>&1; true");
      expect(inside.stdout.split("\n").slice(0, 2)).toEqual(["/etc/passwd", "/"]);
      // Writing through the link lands in the container's own filesystem (or fails), never on the host.
      expect(() => rmSync(hostCanary)).toThrow();
      const entries = await tarEntries(await sandbox.getTar());
      expect(entries.get("./evil")).toEqual({ type: "symlink", link: "/etc/passwd", size: 0 });
      expect(entries.get("./dir")).toEqual({ type: "symlink", link: "/", size: 0 });
      // Nothing from behind the links came out: the tar holds only the repository's own few files.
      expect([...entries.keys()].some((name) => name.startsWith("./dir/"))).toBe(false);
    } finally {
      rmSync(repo, { recursive: true, force: true });
      await sandbox.exec("rm -rf /workspace/evil /workspace/dir /workspace/canary /workspace/ok.txt");
    }
  });
});

interface TarEntry {
  type: "file" | "dir" | "symlink" | "other";
  link: string;
  size: number;
}

/** Reads a tar's headers (ustar/GNU) without extracting anything on the host. */
async function tarEntries(stream: Readable): Promise<Map<string, TarEntry>> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const tar = Buffer.concat(chunks);
  const entries = new Map<string, TarEntry>();
  let longName: string | null = null;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const flag = String.fromCharCode(header[156] ?? 0);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (flag === "L") {
      longName = body.toString("utf8").replace(/\0.*$/s, "");
      continue;
    }
    const name = longName ?? field(0, 100);
    longName = null;
    const type = flag === "2" ? "symlink" : flag === "5" ? "dir" : flag === "0" || flag === "\0" ? "file" : "other";
    entries.set(name, { type, link: field(157, 100), size });
  }
  return entries;
}
