import { randomBytes } from "node:crypto";
import { PatchbayError } from "@patchbay/core";
import { DockerSandboxProvider } from "@patchbay/sandbox";
import { afterAll, describe, expect, it } from "vitest";
import { JobSandboxes } from "./job-sandboxes.js";

const jobId = `test-job-sandboxes-${randomBytes(4).toString("hex")}`;
const provider = new DockerSandboxProvider({
  image: "patchbay/sandbox:1",
  defaults: { memoryMb: 256, pidsLimit: 128, workspaceMb: 64, tmpMb: 16, homeMb: 16 },
  killGraceMs: 500,
});
const spec = { jobId, workerId: "test", image: "patchbay/sandbox:1", cpus: 1, memoryMb: 256 };

afterAll(async () => {
  await provider.destroyForJob(jobId);
});

const ofJob = async () => (await provider.list()).filter((c) => c.jobId === jobId).map((c) => c.id);

describe("JobSandboxes.removeAll", () => {
  it("waits for a sandbox still being made when the job ends, so none outlives it", async () => {
    const boxes = new JobSandboxes(provider, spec);
    const making = boxes.create().catch((err: unknown) => err);
    // The engine has the container (it is being started); the job ends meanwhile.
    await expect.poll(ofJob, { timeout: 10_000, interval: 5 }).toHaveLength(1);
    await boxes.removeAll();
    expect(await ofJob()).toEqual([]);
    expect(await making).toBeInstanceOf(PatchbayError);
  });

  it("waits for a sandbox discarded earlier", async () => {
    const boxes = new JobSandboxes(provider, spec);
    const sandbox = await boxes.create();
    boxes.discard(sandbox);
    await boxes.removeAll();
    expect(await ofJob()).toEqual([]);
  });
});
