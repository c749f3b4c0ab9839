import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

const RUNNER_SOURCE = new URL("../runner/sandbox-runner.c", import.meta.url).pathname;

/**
 * The static sandbox runner, compiled once per source change into the temp folder (what
 * scripts/build-sandbox-runner.sh does for the worker), for tests and the benchmark.
 */
export function testRunnerBinary(): string {
  const dir = join(tmpdir(), "patchbay-test-runner");
  const out = join(dir, `sandbox-runner-${Math.floor(statSync(RUNNER_SOURCE).mtimeMs)}`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const partial = `${out}.${process.pid}.tmp`;
  execFileSync("cc", ["-static", "-O2", "-Wall", "-o", partial, RUNNER_SOURCE]);
  renameSync(partial, out);
  return out;
}

/**
 * Options that turn on the runner's socket path. One short folder for every test process (each
 * sandbox's door makes and removes a folder of its own in it): a folder per process was left
 * behind by each test file.
 */
export function runnerOptions(binaryPath = testRunnerBinary()): NonNullable<DockerSandboxProviderOptions["runner"]> {
  return { binaryPath, socketRoot: join(tmpdir(), "pb-run") };
}

/** The command paths the exec and shell tests run over: the engine's attach stream and the runner's socket. */
export const TRANSPORTS = ["attach", "socket"] as const;

/** Provider options for one command path. */
export function transportOptions(transport: (typeof TRANSPORTS)[number]): Partial<DockerSandboxProviderOptions> {
  return transport === "socket" ? { runner: runnerOptions() } : {};
}

/** Engine execs of the engine-exec file scripts (`patchbay-read` …) started while `fn` ran. */
export async function helperExecs(containerId: string, fn: () => Promise<unknown>): Promise<number> {
  const events = (await new Dockerode().getEvents({
    filters: { container: [containerId], event: ["exec_create"] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  let seen = 0;
  events.on("data", (chunk: Buffer) => {
    // One JSON event a line; each names its command twice (`status` and `Action`).
    seen += chunk
      .toString("utf8")
      .split("\n")
      .filter((line) => /patchbay-(read|write|delete)/.test(line)).length;
  });
  try {
    await fn();
    // The engine sends its events a moment after the fact.
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    events.destroy();
  }
  return seen;
}
