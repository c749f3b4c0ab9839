import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { omittedMarker } from "./output-cap.js";
import { remaining, TEST_IMAGE, TRANSPORTS, testProvider, transportOptions, uniqueJobId } from "./test-support.js";

describe.each(TRANSPORTS)("DockerSandbox.exec over %s", (transport) => {
  const provider = testProvider({ outputCapBytes: 64 * 1024, ...transportOptions(transport) });
  const jobId = uniqueJobId("exec");
  let sandbox: DockerSandbox;

  beforeAll(async () => {
    sandbox = await provider.create({ jobId, env: { PATCHBAY_TEST: "yes" } });
    await sandbox.exec("true");
    expect(sandbox.commandTransport).toBe(transport);
  });

  afterAll(async () => {
    expect(sandbox.commandTransport).toBe(transport);
    await provider.destroyForJob(jobId);
    expect(await remaining(provider, jobId)).toBe(0);
  });

  /** Processes in the sandbox whose whole command line is exactly `args` (so our own ps never counts). */
  async function countProcesses(args: string): Promise<number> {
    const result = await sandbox.exec("ps -eo args=");
    return result.stdout.split("\n").filter((line) => line.trim() === args).length;
  }

  it("reports exit codes and keeps stdout and stderr apart", async () => {
    const ok = await sandbox.exec("echo out; echo err >&2");
    expect(ok).toMatchObject({ exitCode: 0, stdout: "out\n", stderr: "err\n", timedOut: false, truncatedBytes: 0 });
    const failed = await sandbox.exec("echo partial; exit 7");
    expect(failed).toMatchObject({ exitCode: 7, stdout: "partial\n", timedOut: false });
    const missing = await sandbox.exec("no-such-command-here");
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain("not found");
  });

  it("runs as uid 1000 in the workspace by default, honours cwd and per-command env", async () => {
    expect((await sandbox.exec("id -u; id -g; pwd")).stdout).toBe("1000\n1000\n/workspace\n");
    await sandbox.exec("mkdir -p sub/dir");
    expect((await sandbox.exec("pwd", { cwd: "sub/dir" })).stdout).toBe("/workspace/sub/dir\n");
    expect((await sandbox.exec("pwd", { cwd: "/tmp" })).stdout).toBe("/tmp\n");
    const bad = await sandbox.exec("pwd", { cwd: "nope" });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain("No such file or directory");
    expect((await sandbox.exec('printf %s "$FOO"', { env: { FOO: "b a r" } })).stdout).toBe("b a r");
  });

  it("starts with only the environment it was given (and the image's own)", async () => {
    const names = (await sandbox.exec("env | cut -d= -f1 | sort")).stdout.trim().split("\n");
    expect(names).toContain("PATCHBAY_TEST");
    const image = await new Dockerode().getImage(TEST_IMAGE).inspect();
    const fromImage = (image.Config.Env ?? []).map((e) => e.split("=")[0]);
    const allowed = ["HOSTNAME", "OLDPWD", "PWD", "SHLVL", "_", "HOME", "PATH", "LANG", "PATCHBAY_TEST", ...fromImage];
    expect(names.filter((n) => !allowed.includes(n))).toEqual([]);
  });

  it("kills a timed-out command and its children quickly", async () => {
    const started = Date.now();
    const result = await sandbox.exec("sleep 101 & sleep 102 & sleep 100; echo never", { timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.stdout).not.toContain("never");
    expect(Date.now() - started).toBeLessThan(3000);
    for (const n of [100, 101, 102]) expect(await countProcesses(`sleep ${n}`)).toBe(0);
  });

  it("escalates to SIGKILL when a command ignores SIGTERM", async () => {
    const started = Date.now();
    const result = await sandbox.exec("trap '' TERM; sleep 103", { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await countProcesses("sleep 103")).toBe(0);
  });

  it("aborts a running command on signal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = Date.now();
    await expect(sandbox.exec("sleep 104", { signal: controller.signal })).rejects.toMatchObject({ code: "cancelled" });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await countProcesses("sleep 104")).toBe(0);
    await expect(sandbox.exec("true", { signal: controller.signal })).rejects.toMatchObject({ code: "cancelled" });
  });

  it("caps output keeping head and tail with a marker", async () => {
    const result = await sandbox.exec("echo HEAD; head -c 1000000 /dev/zero | tr '\\0' x; echo; echo TAIL; echo E >&2");
    const total = 5 + 1_000_000 + 1 + 5;
    expect(result.truncatedBytes).toBe(total - 64 * 1024);
    expect(result.stdout.startsWith("HEAD\nxxx")).toBe(true);
    expect(result.stdout.endsWith("xxx\nTAIL\n")).toBe(true);
    expect(result.stdout).toContain(`\n${omittedMarker(result.truncatedBytes)}\n`);
    expect(result.stderr).toBe("E\n");
  });

  it("forwards output while the command runs", async () => {
    const chunks: Array<{ stream: string; text: string; at: number }> = [];
    const started = Date.now();
    const result = await sandbox.exec("echo one; sleep 0.4; echo two >&2; sleep 0.4; echo three", {
      onOutput: (stream, text) => chunks.push({ stream, text, at: Date.now() - started }),
    });
    expect(chunks.map((c) => `${c.stream}:${c.text}`)).toEqual(["stdout:one\n", "stderr:two\n", "stdout:three\n"]);
    expect(chunks[0]?.at ?? Infinity).toBeLessThan(result.durationMs - 500);
  });

  it("keeps PATH from the sandbox env in a login shell", async () => {
    const custom = await provider.create({ jobId, env: { PATH: "/opt/tools/bin:/usr/local/bin:/usr/bin:/bin" } });
    try {
      expect((await custom.exec("echo $PATH")).stdout).toBe("/opt/tools/bin:/usr/local/bin:/usr/bin:/bin\n");
      expect((await custom.exec("echo $PATH", { env: { PATH: "/usr/bin:/bin" } })).stdout).toBe("/usr/bin:/bin\n");
    } finally {
      await custom.destroy();
    }
  });

  it("reaps orphaned processes (init as PID 1)", async () => {
    await sandbox.exec("bash -c 'sleep 0.2 &'; true");
    await new Promise((resolve) => setTimeout(resolve, 600));
    const zombies = await sandbox.exec("ps -eo stat= | grep -c '^Z' || true");
    expect(zombies.stdout.trim()).toBe("0");
    expect((await sandbox.exec("cat /proc/1/comm")).stdout.trim()).toBe("docker-init");
  });
});
