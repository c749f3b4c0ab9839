import { createHash, randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { remaining, TRANSPORTS, testProvider, transportOptions, uniqueJobId } from "./test-support.js";

const docker = new Dockerode();
const sha = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/**
 * The engine execs made in one container while `work` runs, from the engine's own event stream;
 * persistent shells starting (the pool's second session) are not counted.
 */
async function execsDuring(containerId: string, work: () => Promise<void>): Promise<string[]> {
  const since = Date.now() / 1000;
  await work();
  const until = Date.now() / 1000 + 1;
  const events = await docker.getEvents({
    since,
    until,
    filters: { container: [containerId], event: ["exec_create"] },
  });
  const text = (await buffer(events)).toString("utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { Action: string }).Action)
    .filter((action) => !action.includes("patchbay-shell-"));
}

describe.each(TRANSPORTS)("file streams over %s", (transport) => {
  const provider = testProvider(transportOptions(transport));
  const jobId = uniqueJobId("streams");
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = await provider.create({ jobId });
    await sandbox.exec("true");
  });

  afterAll(async () => {
    await provider.destroyForJob(jobId);
    expect(await remaining(provider, jobId)).toBe(0);
  });

  it("streams 3 MB in and back out unchanged", async () => {
    const data = randomBytes(3 * 1024 * 1024);
    await sandbox.streamIn(["sh", "-c", "cat > /tmp/blob"], Readable.from([data.subarray(0, 1e6), data.subarray(1e6)]));
    expect((await sandbox.exec("sha256sum < /tmp/blob")).stdout.split(" ")[0]).toBe(sha(data));
    const out = await buffer(await sandbox.streamOut(["cat", "/tmp/blob"]));
    expect(sha(out)).toBe(sha(data));
  });

  it("a command that fails says so with its exit code and stderr, both ways", async () => {
    const out = await sandbox.streamOut(["sh", "-c", "echo partial; echo 'no such thing' >&2; exit 3"]);
    await expect(buffer(out)).rejects.toThrow(/exit 3.*no such thing/s);
    await expect(
      sandbox.streamIn(["sh", "-c", "cat >/dev/null; echo bad input >&2; exit 4"], Readable.from(["x"])),
    ).rejects.toThrow(/exit 4.*bad input/s);
  });

  it("a source that failed before the stream in got going fails it too, never as an uncaught error", async () => {
    const source = new PassThrough();
    source.destroy(new Error("the host file went away early"));
    await expect(sandbox.streamIn(["sh", "-c", "cat > /tmp/early"], source)).rejects.toThrow(/went away early/);
    const tar = new PassThrough();
    tar.destroy(new Error("the tar went away early"));
    await expect(sandbox.putTar(tar)).rejects.toThrow(/went away early/);
    expect((await sandbox.exec("echo still here")).stdout).toBe("still here\n");
  });

  it("a source that fails fails the stream in, and the sandbox goes on", async () => {
    const source = new PassThrough();
    source.write("some bytes");
    setTimeout(() => source.destroy(new Error("the host file went away")), 50);
    await expect(sandbox.streamIn(["sh", "-c", "cat > /tmp/cut"], source)).rejects.toThrow(/went away/);
    expect((await sandbox.exec("echo still here")).stdout).toBe("still here\n");
  });

  it(
    transport === "socket"
      ? "streams and putTar take no engine exec: they start from the persistent shell behind the runner"
      : "streams and putTar each take an engine exec on the attach stream",
    async () => {
      const tar = await buffer(await sandbox.streamOut(["tar", "-c", "-f", "-", "-C", "/tmp", "blob"]));
      const execs = await execsDuring(sandbox.id, async () => {
        await buffer(await sandbox.streamOut(["cat", "/tmp/blob"]));
        await sandbox.streamIn(["sh", "-c", "cat > /dev/null"], Readable.from(["x"]));
        await sandbox.putTar(Readable.from([tar]));
      });
      expect((await sandbox.exec("cmp /tmp/blob /workspace/blob && echo same")).stdout).toBe("same\n");
      if (transport === "socket") expect(execs).toEqual([]);
      else expect(execs.length).toBeGreaterThanOrEqual(3);
    },
  );
});
