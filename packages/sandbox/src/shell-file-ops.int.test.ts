import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { remaining, testProvider, uniqueJobId } from "./test-support.js";

// A small kept-output cap, so that the shell path's size limit (about 3/4 of it) is easy to cross.
const provider = testProvider({ outputCapBytes: 64 * 1024 });
const jobId = uniqueJobId("shell-files");
let sandbox: DockerSandbox;

/** How many engine execs the container has had: a file op through the persistent shell adds none. */
async function execCount(): Promise<number> {
  const info = await new Dockerode().getContainer(sandbox.id).inspect();
  return (info.ExecIDs ?? []).length;
}

beforeAll(async () => {
  sandbox = await provider.create({ jobId });
  await sandbox.exec("true");
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  expect(await remaining(provider, jobId)).toBe(0);
});

describe("file operations through the persistent shell", () => {
  it("round-trips any bytes under awkward names without an engine exec", async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0a, 0xc3, 0x28, 0]);
    const names = ["plain.bin", "it's $(touch /tmp/pwned) `id`.bin", "new\nline.bin", "dir with space/-x.bin"];
    const before = await execCount();
    for (const name of names) {
      await sandbox.writeFile(name, bytes);
      expect(await sandbox.readFile(name)).toEqual(bytes);
      expect(await sandbox.readFile(name, { maxBytes: 3 })).toEqual(bytes.subarray(0, 3));
    }
    await sandbox.deleteFile(names[0]!);
    expect(await sandbox.readFile(names[0]!)).toBeNull();
    expect(await execCount()).toBe(before);
    expect((await sandbox.exec("ls /tmp/pwned 2>/dev/null || echo none")).stdout).toBe("none\n");
  });

  it("is not swayed by what earlier commands did to their shell", async () => {
    await sandbox.exec("cd /tmp; export PATH=/nowhere; alias cat=false base64=false; umask 777; set -e; exit 3");
    await sandbox.writeFile("after-tricks.txt", "kept\n");
    expect((await sandbox.readFile("after-tricks.txt"))?.toString()).toBe("kept\n");
    expect((await sandbox.exec("stat -c %a after-tricks.txt")).stdout).toBe("644\n");
  });

  it("refuses a folder and a FIFO as before, without blocking", async () => {
    await sandbox.exec("mkdir -p a-folder && mkfifo a-fifo");
    await expect(sandbox.readFile("a-folder")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(sandbox.readFile("a-fifo")).rejects.toThrow(/not a regular file/);
    await expect(sandbox.writeFile("a-fifo", "x")).rejects.toThrow(/not a regular file/);
    await expect(sandbox.deleteFile("a-folder")).rejects.toThrow(/directory/);
  });

  it("reads and writes a file bigger than a command's output whole (through an engine exec)", async () => {
    const big = Buffer.alloc(300 * 1024, 7);
    big.write("head", 0);
    big.write("tail", big.length - 4);
    await sandbox.writeFile("big.bin", big);
    expect(await sandbox.readFile("big.bin")).toEqual(big);
    expect((await sandbox.readFile("big.bin", { maxBytes: 100 }))?.length).toBe(100);
  });

  it("still reads and writes after the shell under a command died", async () => {
    await sandbox.exec("kill -9 $$");
    await sandbox.writeFile("after-death.txt", "alive\n");
    expect((await sandbox.readFile("after-death.txt"))?.toString()).toBe("alive\n");
  });

  it("runs many file operations at once beside a long command", async () => {
    const long = sandbox.exec("sleep 2; echo done");
    const files = Array.from({ length: 12 }, (_, i) => `many/f${i}.txt`);
    await Promise.all(files.map((f, i) => sandbox.writeFile(f, `n${i}`)));
    const read = await Promise.all(files.map((f) => sandbox.readFile(f)));
    expect(read.map((b) => b?.toString())).toEqual(files.map((_, i) => `n${i}`));
    expect((await long).stdout).toBe("done\n");
  });
});
