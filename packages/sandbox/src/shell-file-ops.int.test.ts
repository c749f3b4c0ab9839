import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { readWorkspaceFile, writeWorkspaceFile } from "./file-ops.js";
import { SHELL_WRITE_MAX_BYTES } from "./shell-file-ops.js";
import { helperExecs, remaining, TRANSPORTS, testProvider, transportOptions, uniqueJobId } from "./test-support.js";

const docker = new Dockerode();

describe.each(TRANSPORTS)("file operations through the persistent shell over %s", (transport) => {
  const provider = testProvider(transportOptions(transport));
  const jobId = uniqueJobId("shellfiles");
  let sandbox: DockerSandbox;
  let container: Dockerode.Container;

  beforeAll(async () => {
    sandbox = await provider.create({ jobId });
    container = docker.getContainer(sandbox.id);
    await sandbox.exec("true"); // the session is up: what follows measures file operations only
  });

  afterAll(async () => {
    await provider.destroyForJob(jobId);
    expect(await remaining(provider, jobId)).toBe(0);
  });

  it("round-trips arbitrary bytes (NUL, invalid UTF-8, a fake end marker) without an engine exec", async () => {
    const binary = Buffer.concat([
      Buffer.from([0, 0xff, 0xfe, 0xc3, 0x28, 0x0a, 0x00]),
      Buffer.from("\0PB:0123456789abcdef:0:0:0:0\n"),
      randomBytes(20_000),
    ]);
    const execs = await helperExecs(sandbox.id, async () => {
      await sandbox.writeFile("bin/data.bin", binary);
      expect((await sandbox.readFile("bin/data.bin"))?.equals(binary)).toBe(true);
      expect((await sandbox.readFile("bin/data.bin", { maxBytes: 3 }))?.equals(binary.subarray(0, 3))).toBe(true);
      await sandbox.writeFile("empty.txt", "");
      expect((await sandbox.readFile("empty.txt"))?.length).toBe(0);
      expect(await sandbox.readFile("missing.txt")).toBeNull();
      await sandbox.deleteFile("empty.txt");
      await sandbox.deleteFile("empty.txt");
    });
    expect(execs).toBe(0);
    expect((await readWorkspaceFile(container, sandbox.root, "bin/data.bin"))?.equals(binary)).toBe(true);
    expect((await sandbox.exec("stat -c %u:%g bin bin/data.bin | sort -u")).stdout).toBe("1000:1000\n");
  });

  it("passes hostile path names as data", async () => {
    const path = `we ird/a'b"c$(touch /tmp/pwned)\`touch /tmp/pwned2\`;\n$HOME *.txt`;
    await sandbox.writeFile(path, "safe");
    expect((await sandbox.readFile(path))?.toString()).toBe("safe");
    expect((await readWorkspaceFile(container, sandbox.root, path))?.toString()).toBe("safe");
    await sandbox.deleteFile(path);
    expect(await sandbox.readFile(path)).toBeNull();
    expect((await sandbox.exec("ls /tmp/pwned /tmp/pwned2 2>&1 | grep -c 'No such'")).stdout).toBe("2\n");
  });

  it("is not swayed by what commands or the agent's login profile changed", async () => {
    await sandbox.exec(
      "cd /tmp; export PATH=/nowhere; shopt -s expand_aliases; alias cat=false base64=false; umask 777; set -e; exit 3",
    );
    // A profile runs before every command; a file operation must run none of it.
    const profile = [
      "echo profile-noise; echo noise >&2; umask 777; export PATH=/nowhere; cd /tmp",
      "base64() { echo ZmFrZQ==; }; cat() { echo fake; }; head() { echo fake; }; tee() { :; }; mkdir() { :; }",
    ].join("\n");
    await writeWorkspaceFile(container, sandbox.root, "profile.tmp", profile);
    await sandbox.exec("cp /workspace/profile.tmp ~/.profile");
    try {
      // Answered by the shell itself: the engine-exec fallback would hide a swayed answer.
      const execs = await helperExecs(sandbox.id, async () => {
        await sandbox.writeFile("iso/deep/new.txt", "content\n");
        expect((await sandbox.readFile("iso/deep/new.txt"))?.toString()).toBe("content\n");
        expect((await sandbox.readFile("iso/deep/new.txt", { maxBytes: 4 }))?.toString()).toBe("cont");
      });
      expect(execs).toBe(0);
      await writeWorkspaceFile(container, sandbox.root, "iso/old/new.txt", "content\n");
    } finally {
      await sandbox.exec("/usr/bin/rm -f ~/.profile");
    }
    // Same modes as the engine-exec path gives (the container's umask, not the profile's).
    const modes = await sandbox.exec("stat -c %a iso/deep iso/deep/new.txt iso/old iso/old/new.txt");
    expect(modes.stdout).toBe("755\n644\n755\n644\n");
  });

  it("reads a multi-megabyte file whole and writes one past the shell limit", async () => {
    const big = randomBytes(6 * 1024 * 1024);
    await writeWorkspaceFile(container, sandbox.root, "big.bin", big);
    expect((await sandbox.readFile("big.bin"))?.equals(big)).toBe(true);
    const head = await sandbox.readFile("big.bin", { maxBytes: 5_000_001 });
    expect(head?.equals(big.subarray(0, 5_000_001))).toBe(true);
    const edge = randomBytes(SHELL_WRITE_MAX_BYTES);
    await sandbox.writeFile("edge.bin", edge);
    expect((await sandbox.readFile("edge.bin"))?.equals(edge)).toBe(true);
    const past = randomBytes(3 * 1024 * 1024);
    await sandbox.writeFile("past.bin", past);
    expect((await sandbox.readFile("past.bin"))?.equals(past)).toBe(true);
    await sandbox.exec("rm -f big.bin past.bin edge.bin");
  });

  it("reports a full disk and a FIFO as the engine-exec path does", async () => {
    const small = await provider.create({ jobId, workspaceMb: 4 });
    await small.exec("true");
    const fill = await small.exec("mkfifo pipe; head -c 8000000 /dev/zero > fill");
    expect(fill.reason).toBe("disk_limit");
    const execs = await helperExecs(small.id, async () => {
      await expect(small.writeFile("more.txt", "x".repeat(8000))).rejects.toMatchObject({ code: "disk_limit" });
      await expect(small.readFile("pipe")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(small.writeFile("pipe", "x")).rejects.toMatchObject({ code: "invalid_request" });
    });
    expect(execs).toBe(0);
    await small.destroy();
  });

  it("runs file operations side by side and beside a long command", async () => {
    const long = sandbox.exec("sleep 2; echo slept", { timeoutMs: 20_000 });
    const files = Array.from({ length: 10 }, (_, i) => ({ path: `par/f${i}.txt`, data: randomBytes(1000 + i) }));
    await Promise.all(files.map((f) => sandbox.writeFile(f.path, f.data)));
    const back = await Promise.all(files.map((f) => sandbox.readFile(f.path)));
    expect(back.every((b, i) => b?.equals(files[i]?.data ?? Buffer.alloc(0)))).toBe(true);
    expect((await long).stdout).toBe("slept\n");
  });

  it("reads correctly when the shell is killed under it, and after shells died until commands use fresh execs", async () => {
    const big = randomBytes(4 * 1024 * 1024);
    await writeWorkspaceFile(container, sandbox.root, "victim.bin", big);
    const read = sandbox.readFile("victim.bin");
    await new Promise((resolve) => setTimeout(resolve, 5));
    // Every session's shell (not the supervisor, whose script names the same files).
    await sandbox.exec("pkill -9 -f 'bash /dev/shm/patchbay-shell-' || true");
    expect((await read)?.equals(big)).toBe(true);
    for (let round = 0; round < 4; round++) {
      const died = await sandbox.exec("kill -9 $$");
      expect(died.exitCode).toBeNull();
      await sandbox.writeFile(`after/${round}.txt`, `round ${round}`);
      expect((await sandbox.readFile(`after/${round}.txt`))?.toString()).toBe(`round ${round}`);
      expect((await sandbox.readFile("victim.bin"))?.equals(big)).toBe(true);
    }
    await sandbox.deleteFile("victim.bin");
    expect(await sandbox.readFile("victim.bin")).toBeNull();
  });
});

describe("file operations when commands use a fresh exec each", () => {
  const provider = testProvider({ shell: "exec" });
  const jobId = uniqueJobId("execfiles");

  afterAll(async () => {
    await provider.destroyForJob(jobId);
    expect(await remaining(provider, jobId)).toBe(0);
  });

  it("take the engine-exec path with the same results", async () => {
    const box = await provider.create({ jobId });
    const data = Buffer.from([0, 1, 2, 0xff]);
    const execs = await helperExecs(box.id, async () => {
      await box.writeFile("x/y.bin", data);
      expect((await box.readFile("x/y.bin"))?.equals(data)).toBe(true);
      await box.deleteFile("x/y.bin");
    });
    expect(execs).toBe(3);
    await expect(box.readFile("x")).rejects.toMatchObject({ code: "invalid_request" });
  });
});
