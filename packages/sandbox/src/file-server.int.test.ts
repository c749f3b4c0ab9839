import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { helperExecs, remaining, testProvider, transportOptions, uniqueJobId } from "./test-support.js";

/** The file servers running in `box` (the only runner that stays a runner: the others exec a shell). */
async function servers(box: DockerSandbox): Promise<string[]> {
  const listed = await box.exec("pgrep -x sandbox-runner || true");
  return listed.stdout.split("\n").filter(Boolean);
}

/** Asks for a file (which starts the server) until one serves; its pid. */
async function serving(box: DockerSandbox): Promise<string> {
  for (let i = 0; i < 100; i++) {
    await box.readFile("anything.txt");
    const pids = await servers(box);
    if (pids.length === 1 && pids[0]) return pids[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("no file server started");
}

/**
 * Runs `fn` while four commands hold every shell session, counting the engine execs of file
 * scripts: zero means the file server answered (a shell script could only run in an engine exec).
 */
async function withShellsBusy(box: DockerSandbox, fn: () => Promise<unknown>): Promise<number> {
  const busy = Array.from({ length: 4 }, () => box.exec("sleep 1.5; echo done"));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const execs = await helperExecs(box.id, fn);
  expect((await Promise.all(busy)).map((r) => r.stdout)).toEqual(Array(4).fill("done\n"));
  return execs;
}

describe("the sandbox's file server", () => {
  const provider = testProvider(transportOptions("socket"));
  const jobId = uniqueJobId("fileserver");

  afterAll(async () => {
    await provider.destroyForJob(jobId);
    expect(await remaining(provider, jobId)).toBe(0);
  });

  it("serves reads, writes and deletes of any size while every shell is busy, without an engine exec", async () => {
    const box = await provider.create({ jobId });
    await serving(box);
    const big = Buffer.concat([Buffer.from([0, 0xff, 0x0a]), randomBytes(3 * 1024 * 1024)]);
    const execs = await withShellsBusy(box, async () => {
      await box.writeFile("deep/er/big.bin", big);
      expect((await box.readFile("deep/er/big.bin"))?.equals(big)).toBe(true);
      expect((await box.readFile("deep/er/big.bin", { maxBytes: 70_000 }))?.equals(big.subarray(0, 70_000))).toBe(true);
      await box.writeFile("deep/er/empty.txt", "");
      expect((await box.readFile("deep/er/empty.txt"))?.length).toBe(0);
      await box.deleteFile("deep/er/big.bin");
      await box.deleteFile("deep/er/big.bin");
      expect(await box.readFile("deep/er/big.bin")).toBeNull();
    });
    expect(execs).toBe(0);
    // Made as the sandbox user, with the container's umask, as the shell scripts make them.
    const made = await box.exec("stat -c '%u %a' deep deep/er deep/er/empty.txt");
    expect(made.stdout).toBe("1000 755\n1000 755\n1000 644\n");
  });

  it("answers as the shell scripts do: folders, FIFOs, symlinks, a file in the way, a kept inode and mode", async () => {
    const box = await provider.create({ jobId });
    await serving(box);
    await box.exec("mkdir -p dir && mkfifo pipe && ln -s dir link && echo old > kept.txt && chmod 751 kept.txt");
    const execs = await withShellsBusy(box, async () => {
      await expect(box.readFile("dir")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(box.writeFile("dir", "x")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(box.deleteFile("dir")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(box.readFile("pipe")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(box.writeFile("pipe", "x")).rejects.toMatchObject({ code: "invalid_request" });
      await expect(box.writeFile("kept.txt/under", "x")).rejects.toMatchObject({ code: "invalid_request" });
      await box.writeFile("kept.txt", "new\n");
      await box.deleteFile("link");
    });
    expect(execs).toBe(0);
    const after = await box.exec("stat -c %a kept.txt; cat kept.txt; test -d dir && test ! -e link && echo ok");
    expect(after.stdout).toBe("751\nnew\nok\n");
    // A path longer than the server takes is the scripts' to refuse; the server keeps running.
    const pid = (await servers(box))[0];
    await expect(box.writeFile(`${"d/".repeat(2100)}x.txt`, "x")).rejects.toMatchObject({ code: "invalid_request" });
    // The server still answers after its refusals (they did not put the connection out of step).
    await box.writeFile("after.txt", "x");
    expect((await box.readFile("after.txt"))?.toString()).toBe("x");
    expect(await servers(box)).toEqual([pid]);
  });

  it("says the disk is full as disk_limit", async () => {
    const box = await provider.create({ jobId, workspaceMb: 4 });
    await serving(box);
    expect((await box.exec("head -c 8000000 /dev/zero > fill")).reason).toBe("disk_limit");
    const execs = await withShellsBusy(box, async () => {
      await expect(box.writeFile("more.bin", randomBytes(200_000))).rejects.toMatchObject({ code: "disk_limit" });
    });
    expect(execs).toBe(0);
  });

  it("loses no operation when an agent kills it: the shell answers the one in flight, a new server takes over", async () => {
    const box = await provider.create({ jobId });
    const first = await serving(box);
    const big = randomBytes(8 * 1024 * 1024);
    await box.writeFile("victim.bin", big);
    const reads = Array.from({ length: 3 }, () => box.readFile("victim.bin"));
    await box.exec("pkill -9 -x sandbox-runner");
    for (const read of reads) expect((await read)?.equals(big)).toBe(true);
    const second = await serving(box);
    expect(second).not.toBe(first);
    expect((await box.readFile("victim.bin"))?.equals(big)).toBe(true);
  });
});
