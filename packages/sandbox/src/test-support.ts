import { randomBytes } from "node:crypto";
import Dockerode from "dockerode";
import { DockerSandboxProvider, type DockerSandboxProviderOptions } from "./docker-provider.js";

/** The image integration tests run against (built by scripts/up.sh). */
export const TEST_IMAGE = "patchbay/sandbox:1";

/** A job id no other test (or test run) uses, so cleanup can be by label. */
export function uniqueJobId(prefix: string): string {
  return `test-${prefix}-${randomBytes(4).toString("hex")}`;
}

/** A provider on the local engine with small limits, cheap to run in parallel. */
export function testProvider(options: Partial<DockerSandboxProviderOptions> = {}): DockerSandboxProvider {
  return new DockerSandboxProvider({
    docker: new Dockerode(),
    image: TEST_IMAGE,
    defaults: { memoryMb: 512, pidsLimit: 256, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
    killGraceMs: 500,
    pool: { size: 0 },
    ...options,
  });
}

/** Containers still carrying this job's label (running or not). */
export async function remaining(provider: DockerSandboxProvider, jobId: string): Promise<number> {
  return (await provider.list()).filter((c) => c.jobId === jobId).length;
}
