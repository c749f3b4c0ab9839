import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import { DockerEnvironmentImages } from "./environment-images.js";
import { TEST_IMAGE } from "./test-support.js";

const docker = new Dockerode();
const images = new DockerEnvironmentImages(docker);
const run = randomBytes(4).toString("hex");
const labels = { "patchbay.test": `environment-images-${run}` };
const volumes: string[] = [];

/** A volume name of this run, removed after the tests. */
function volumeName(what: string): string {
  const name = `patchbay-test-${what}-${run}`;
  volumes.push(name);
  return name;
}

/** Whether the sandbox user can create a file in `volume` mounted at `target` in the sandbox image. */
async function sandboxUserWrites(volume: string, target: string): Promise<boolean> {
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    User: "1000:1000",
    Cmd: ["touch", `${target}/written`],
    Labels: labels,
    HostConfig: { NetworkMode: "none", Mounts: [{ Type: "volume", Source: volume, Target: target }] },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    return StatusCode === 0;
  } finally {
    await container.remove({ force: true });
  }
}

afterAll(async () => {
  for (const name of volumes)
    await docker
      .getVolume(name)
      .remove({ force: true })
      .catch(() => undefined);
});

describe("dependency-cache volumes", () => {
  it("a new volume over the sandbox image's cache folder is the sandbox user's with no helper container", async () => {
    const volume = volumeName("cache");
    await images.ensureVolume(volume, labels);
    await images.ensureVolume(volume, labels);
    expect(await sandboxUserWrites(volume, "/run/patchbay/cache")).toBe(true);
  });

  it("over a folder the image lacks a new volume stays root's until it is handed to the sandbox user", async () => {
    const volume = volumeName("elsewhere");
    await images.ensureVolume(volume, labels);
    expect(await sandboxUserWrites(volume, "/elsewhere/cache")).toBe(false);
    await images.handVolumeToSandboxUser(volume, labels, TEST_IMAGE);
    expect(await sandboxUserWrites(volume, "/elsewhere/cache")).toBe(true);
  });
});
