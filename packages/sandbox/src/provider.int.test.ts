import { afterAll, describe, expect, it } from "vitest";
import { remaining, testProvider, uniqueJobId } from "./test-support.js";

const provider = testProvider();
const jobA = uniqueJobId("provider-a");
const jobB = uniqueJobId("provider-b");

afterAll(async () => {
  await provider.destroyForJob(jobA);
  await provider.destroyForJob(jobB);
  expect(await remaining(provider, jobA)).toBe(0);
  expect(await remaining(provider, jobB)).toBe(0);
});

describe("DockerSandboxProvider", () => {
  it("lists labelled containers and removes them per job", async () => {
    const before = Date.now();
    const [a1, a2, b1] = await Promise.all([
      provider.create({ jobId: jobA, workerId: "w-1" }),
      provider.create({ jobId: jobA }),
      provider.create({ jobId: jobB }),
    ]);
    const listed = (await provider.list()).filter((c) => c.jobId === jobA || c.jobId === jobB);
    expect(listed.map((c) => c.id).sort()).toEqual([a1.id, a2.id, b1.id].sort());
    const first = listed.find((c) => c.id === a1.id);
    expect(first?.workerId).toBe("w-1");
    expect(first?.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(listed.find((c) => c.id === a2.id)?.workerId).toBeNull();

    expect(await provider.destroyForJob(jobA)).toBe(2);
    expect(await remaining(provider, jobA)).toBe(0);
    expect(await remaining(provider, jobB)).toBe(1);
    expect(await provider.destroyForJob(jobA)).toBe(0);
    expect((await b1.exec("echo still here")).stdout).toBe("still here\n");
  });

  it("destroy is idempotent and a destroyed sandbox refuses work", async () => {
    const sandbox = await provider.create({ jobId: jobB });
    await sandbox.destroy();
    await sandbox.destroy();
    await expect(sandbox.exec("true")).rejects.toMatchObject({ code: "sandbox_failed", retryable: true });
  });

  it("turns engine errors into retryable sandbox_failed", async () => {
    await expect(provider.create({ jobId: jobB, image: "patchbay/no-such-image:0" })).rejects.toMatchObject({
      code: "sandbox_failed",
      retryable: true,
    });
    expect(await remaining(provider, jobB)).toBe(1);
  });

  it("reports a sandbox removed behind its back as sandbox_failed", async () => {
    const sandbox = await provider.create({ jobId: jobB });
    await provider.destroyForJob(jobB);
    await expect(sandbox.exec("true")).rejects.toMatchObject({ code: "sandbox_failed" });
    await expect(sandbox.readFile("x")).rejects.toMatchObject({ code: "sandbox_failed" });
    await sandbox.destroy();
  });
});

describe("DockerSandboxProvider.removeStarted", () => {
  it("removes every container it started that is still there, and only those", async () => {
    const own = testProvider();
    const other = testProvider();
    const jobId = uniqueJobId("provider-started");
    const [kept, destroyed] = await Promise.all([own.create({ jobId }), own.create({ jobId })]);
    const foreign = await other.create({ jobId });
    await destroyed.destroy();

    expect(await own.removeStarted()).toBe(1);
    const left = (await own.list()).filter((c) => c.jobId === jobId).map((c) => c.id);
    expect(left).toEqual([foreign.id]);
    await expect(kept.exec("true")).rejects.toMatchObject({ code: "sandbox_failed" });
    expect(await own.removeStarted()).toBe(0);
    await foreign.destroy();
  });
});
