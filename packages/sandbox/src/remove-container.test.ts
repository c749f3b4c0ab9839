import type Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { removeContainer } from "./docker-sandbox.js";

/** The one engine call removeContainer makes, answering with the given errors first. */
function containerFailing(errors: Error[]): { container: Dockerode.Container; calls: () => number } {
  let calls = 0;
  const remove = async () => {
    const err = errors[calls++];
    if (err) throw err;
  };
  return { container: { id: "c1", remove } as unknown as Dockerode.Container, calls: () => calls };
}

const engineError = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

describe("removeContainer", () => {
  it("retries a force-remove the engine failed for a moment, instead of leaving the container", async () => {
    const busy = engineError(500, "tried to kill container, but did not receive an exit event");
    const { container, calls } = containerFailing([busy, busy]);
    expect(await removeContainer(container)).toBe(true);
    expect(calls()).toBe(3);
  });

  it("gives up with a retryable sandbox_failed after the last retry", async () => {
    const busy = engineError(500, "driver failed to remove root filesystem: device or resource busy");
    const { container, calls } = containerFailing([busy, busy, busy, busy]);
    await expect(removeContainer(container)).rejects.toMatchObject({ code: "sandbox_failed", retryable: true });
    expect(calls()).toBe(4);
  });

  it("does not retry a container that is gone or being removed by someone else", async () => {
    const gone = containerFailing([engineError(404, "no such container")]);
    expect(await removeContainer(gone.container)).toBe(false);
    const removing = containerFailing([engineError(409, "removal of container c1 is already in progress")]);
    expect(await removeContainer(removing.container)).toBe(false);
    expect(gone.calls() + removing.calls()).toBe(2);
  });
});
