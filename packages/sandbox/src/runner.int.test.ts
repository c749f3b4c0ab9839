import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Dockerode from "dockerode";
import { afterAll, describe, expect, it } from "vitest";
import type { DockerSandboxProviderOptions } from "./docker-provider.js";
import type { DockerSandbox } from "./docker-sandbox.js";
import { RUNNER_PATHS } from "./runner-door.js";
import { remaining, testProvider, testRunnerBinary, uniqueJobId } from "./test-support.js";

const jobId = uniqueJobId("runner");
const docker = new Dockerode();
const scratch = mkdtempSync(join(tmpdir(), "pb-runner-test-"));
const providers: Array<ReturnType<typeof testProvider>> = [];

afterAll(async () => {
  for (const p of providers) await p.close();
  await providers[0]?.destroyForJob(jobId);
  if (providers[0]) expect(await remaining(providers[0], jobId)).toBe(0);
  rmSync(scratch, { recursive: true, force: true });
});

/** A provider with the runner on, its sockets under a folder of its own (returned to check cleanup). */
function withRunner(binaryPath: string, extra: Partial<DockerSandboxProviderOptions> = {}, startTimeoutMs = 10_000) {
  const socketRoot = mkdtempSync(join(scratch, "s"));
  const provider = testProvider({ runner: { binaryPath, socketRoot, startTimeoutMs }, ...extra });
  providers.push(provider);
  return { provider, socketRoot };
}

/** A stand-in runner: a shell script mounted where the real binary would be. */
function fakeRunner(name: string, script: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

async function use<T>(sandbox: DockerSandbox, body: (s: DockerSandbox) => Promise<T>): Promise<T> {
  try {
    return await body(sandbox);
  } finally {
    await sandbox.destroy();
  }
}

describe("commands over the runner's socket", () => {
  it("run through the socket, NUL-safe, and the sandbox gets only its own read-only socket folder", async () => {
    const { provider, socketRoot } = withRunner(testRunnerBinary());
    const [a, b] = [await provider.create({ jobId }), await provider.create({ jobId })];
    await use(a, async () => {
      await use(b, async () => {
        const out = await a.exec("printf 'a\\0b'; printf '\\0PB:fake:0:0:0:0\\n'; echo err >&2; exit 4");
        expect(out).toMatchObject({ exitCode: 4, stdout: "a\0b\0PB:fake:0:0:0:0\n", stderr: "err\n" });
        expect(a.commandTransport).toBe("socket");
        const mounts = async (s: DockerSandbox) => (await docker.getContainer(s.id).inspect()).Mounts;
        const [ma, mb] = [await mounts(a), await mounts(b)];
        expect(ma.map((m) => [m.Destination, m.RW]).sort()).toEqual([
          [RUNNER_PATHS.binary, false],
          [RUNNER_PATHS.socketDir, false],
        ]);
        const dir = (ms: typeof ma) => ms.find((m) => m.Destination === RUNNER_PATHS.socketDir)?.Source;
        expect(dir(ma)).not.toBe(dir(mb));
        expect(readdirSync(socketRoot)).toHaveLength(2);
        // Same user, no capabilities, no new privileges: the runner widened nothing.
        const status = await a.exec("id -u; grep -E '^(CapEff|NoNewPrivs)' /proc/self/status | tr -s '\\t ' ' '");
        expect(status.stdout).toBe("1000\nCapEff: 0000000000000000\nNoNewPrivs: 1\n");
        const folder = await a.exec(`touch ${RUNNER_PATHS.socketDir}/x; ls ${RUNNER_PATHS.socketDir}`);
        expect(folder.exitCode).not.toBe(0);
      });
    });
    expect(readdirSync(socketRoot)).toEqual([]);
  });

  it("drops a connection from inside the sandbox that does not carry a runner's token", async () => {
    const { provider } = withRunner(testRunnerBinary());
    await use(await provider.create({ jobId }), async (s) => {
      const script = [
        "import socket",
        "c = socket.socket(socket.AF_UNIX)",
        `c.connect("${RUNNER_PATHS.socket}")`,
        `c.sendall(b"${"0".repeat(32)}i" + b"echo pwned\\0")`,
        "c.settimeout(5)",
        "print(repr(c.recv(100)))",
      ].join("\n");
      const probe = await s.exec(`python3 -c '${script}'`, { timeoutMs: 10_000 });
      expect(probe.stdout).toBe("b''\n");
      expect((await s.exec("echo still")).stdout).toBe("still\n");
      expect(s.commandTransport).toBe("socket");
    });
  });

  it("comes from the warm pool with its runner started, and closes its socket on removal", async () => {
    const { provider, socketRoot } = withRunner(testRunnerBinary(), { pool: { size: 1 } });
    const pool = provider.warmUp();
    await pool?.filled();
    const s = await provider.create({ jobId });
    expect(s.pooled).toBe(true);
    await use(s, async () => {
      expect((await s.exec("echo warm")).stdout).toBe("warm\n");
      expect(s.commandTransport).toBe("socket");
    });
    await pool?.filled();
    await provider.close();
    expect(readdirSync(socketRoot)).toEqual([]);
  });
});

describe("when the runner cannot start", () => {
  const cases: Array<[string, string]> = [
    ["it fails with a message", fakeRunner("broken", 'echo "no luck" >&2; exit 1')],
    ["it exits silently", fakeRunner("silent", "exit 0")],
    ["it never connects", fakeRunner("hangs", "exec sleep 30")],
  ];
  it.each(cases)("falls back to the attach stream when %s, and timeouts still kill", async (_name, binary) => {
    const { provider, socketRoot } = withRunner(binary, {}, 1500);
    await use(await provider.create({ jobId }), async (s) => {
      expect(s.commandTransport).toBe("socket");
      expect(await s.exec("echo out; echo err >&2; exit 2")).toMatchObject({
        exitCode: 2,
        stdout: "out\n",
        stderr: "err\n",
      });
      expect(s.commandTransport).toBe("attach");
      expect(readdirSync(socketRoot)).toEqual([]);
      const slow = await s.exec("sleep 105", { timeoutMs: 300 });
      expect(slow).toMatchObject({ timedOut: true, exitCode: null });
      expect((await s.exec("ps -eo args= | grep -cx 'sleep 105' || true")).stdout).toBe("0\n");
    });
  });

  it("says so in a warning, but not for a container being removed (a pool closing at a worker's shutdown)", async () => {
    const warnings: string[] = [];
    const logger = {
      debug: () => undefined,
      warn: (_: Record<string, unknown>, msg: string) => void warnings.push(msg),
    };
    // The deadline leaves room for a loaded engine between the pool container's start and the
    // close (with 1.5 s a CI run once saw the runner's deadline pass first, which is a warning).
    const deadlineMs = 4000;
    const { provider } = withRunner(
      fakeRunner("hangs-quietly", "exec sleep 30"),
      { pool: { size: 1 }, logger },
      deadlineMs,
    );
    // The idle container's shells wait for the runner when the pool closes.
    await provider.warmUp()?.filled();
    await provider.close();
    await new Promise((resolve) => setTimeout(resolve, deadlineMs + 500));
    expect(warnings).toEqual([]);
    await use(await provider.create({ jobId }), async (s) => {
      expect((await s.exec("echo ok")).stdout).toBe("ok\n");
    });
    expect(warnings).toContain("sandbox runner did not start: using the attach stream");
  });

  it("is off, with no mounts, when its binary is missing on the host", async () => {
    const { provider } = withRunner(join(scratch, "no-such-runner"));
    await use(await provider.create({ jobId }), async (s) => {
      expect(s.commandTransport).toBe("attach");
      expect((await docker.getContainer(s.id).inspect()).Mounts).toEqual([]);
      expect((await s.exec("echo ok")).stdout).toBe("ok\n");
    });
  });
});
