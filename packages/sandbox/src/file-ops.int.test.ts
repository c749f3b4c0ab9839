import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { remaining, testProvider, uniqueJobId } from "./test-support.js";

const provider = testProvider();
const jobId = uniqueJobId("fileops");
let sandbox: DockerSandbox;

beforeAll(async () => {
  sandbox = await provider.create({ jobId });
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  expect(await remaining(provider, jobId)).toBe(0);
});

describe("file operations on what is not a regular file", () => {
  it("refuses to read or write a FIFO at once instead of blocking, and deletes it", async () => {
    await sandbox.exec("mkfifo pipe && ln -s pipe link-to-pipe");
    const started = Date.now();
    await expect(sandbox.readFile("pipe")).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringContaining("not a regular file"),
    });
    await expect(sandbox.writeFile("pipe", "x")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(sandbox.readFile("link-to-pipe")).rejects.toMatchObject({ code: "invalid_request" });
    expect(Date.now() - started).toBeLessThan(10_000);
    await sandbox.deleteFile("pipe");
    expect((await sandbox.exec("test -e pipe || echo gone")).stdout).toBe("gone\n");
  });

  it("reads at most maxBytes of a big file", async () => {
    await sandbox.exec("head -c 5000000 /dev/zero | tr '\\0' a > big.txt");
    const head = await sandbox.readFile("big.txt", { maxBytes: 1025 });
    expect(head?.length).toBe(1025);
    expect(head?.toString()).toBe("a".repeat(1025));
    expect((await sandbox.readFile("big.txt"))?.length).toBe(5_000_000);
    await sandbox.writeFile("small.txt", "abc");
    expect((await sandbox.readFile("small.txt", { maxBytes: 10 }))?.toString()).toBe("abc");
  });
});
