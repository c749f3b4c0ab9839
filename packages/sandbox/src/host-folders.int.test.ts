import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { DockerSandboxProvider } from "./docker-provider.js";
import { remaining, runnerOptions, testProvider, uniqueJobId } from "./test-support.js";

const jobId = uniqueJobId("folders");
const scratch = mkdtempSync(join(tmpdir(), "pb-folders-test-"));
const providers: DockerSandboxProvider[] = [];
const LEND_TARGET = "/run/patchbay/cache";

afterAll(async () => {
  for (const p of providers) await p.close();
  await providers[0]?.destroyForJob(jobId);
  if (providers[0]) expect(await remaining(providers[0], jobId)).toBe(0);
  rmSync(scratch, { recursive: true, force: true });
});

function provider(options: Parameters<typeof testProvider>[0] = {}): DockerSandboxProvider {
  const p = testProvider({ runner: { ...runnerOptions(), lendTarget: LEND_TARGET }, ...options });
  providers.push(p);
  return p;
}

describe("a sandbox's host folders", () => {
  it("its lend folder is closed to the sandbox user until the worker lends it; what it writes there is on the host", async () => {
    const p = provider();
    expect(p.lendsFolders).toBe(true);
    const sandbox = await p.create({ jobId });
    try {
      const lend = sandbox.hostFolders?.lend;
      expect(lend?.inSandbox).toBe(LEND_TARGET);
      const write = `echo made > ${LEND_TARGET}/file`;
      expect((await sandbox.exec(write)).exitCode).not.toBe(0);
      chmodSync(lend!.hostDir, 0o777);
      expect((await sandbox.exec(write)).exitCode).toBe(0);
      expect(existsSync(join(lend!.hostDir, "file"))).toBe(true);
      // The runner's folder (where a door's socket goes) is the sandbox's too, read-only inside.
      expect(sandbox.hostFolders?.runnerInSandbox).toBe("/run/patchbay/runner");
      writeFileSync(join(sandbox.hostFolders!.runner, "note"), "from the host\n");
      expect((await sandbox.exec("cat /run/patchbay/runner/note")).stdout).toBe("from the host\n");
      expect((await sandbox.exec("touch /run/patchbay/runner/x")).exitCode).not.toBe(0);
    } finally {
      await sandbox.destroy();
    }
  });

  it("shared host files are in every sandbox, read-only", async () => {
    const file = join(scratch, "shared.txt");
    writeFileSync(file, "shared\n");
    const p = provider({
      sharedMounts: [{ type: "bind", source: file, target: "/run/patchbay/shared.txt", readOnly: true }],
    });
    const sandbox = await p.create({ jobId });
    try {
      expect((await sandbox.exec("cat /run/patchbay/shared.txt")).stdout).toBe("shared\n");
      expect((await sandbox.exec("echo x > /run/patchbay/shared.txt")).exitCode).not.toBe(0);
    } finally {
      await sandbox.destroy();
    }
  });

  it("a job asking for another CPU limit than the pool's still gets a warm container, with its own limit", async () => {
    const p = provider({
      pool: { size: 1 },
      defaults: { cpus: 1, memoryMb: 512, workspaceMb: 256, tmpMb: 64, homeMb: 64 },
    });
    await p.warmUp()?.filled();
    const sandbox = await p.create({ jobId, cpus: 2 });
    try {
      expect(sandbox.pooled).toBe(true);
      // cgroup v1 and v2 both: the quota over the period is the limit in cores.
      const read = await sandbox.exec(
        "cat /sys/fs/cgroup/cpu.max 2>/dev/null || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)",
      );
      const [quota, period] = read.stdout.trim().split(/\s+/).map(Number);
      expect(quota! / period!).toBe(2);
    } finally {
      await sandbox.destroy();
    }
  });

  it("an idle sandbox prepared ahead is claimed by a job with what was prepared in it; one discarded leaves nothing", async () => {
    const p = provider({ defaults: { cpus: 1, memoryMb: 512, workspaceMb: 256, tmpMb: 64, homeMb: 64 } });
    const idle = await p.startIdle({}, async (s) => {
      await s.exec("mkdir -p /workspace/node_modules && echo ready > /workspace/node_modules/mark");
    });
    expect(idle.fits({ jobId, memoryMb: 1024 })).toBe(false);
    expect(idle.fits({ jobId, cpus: 2 })).toBe(true);
    const sandbox = await idle.claim({ jobId, cpus: 2 });
    try {
      expect((await sandbox.exec("cat /workspace/node_modules/mark")).stdout).toBe("ready\n");
      expect((await p.list()).find((c) => c.id === sandbox.id)?.jobId).toBe(jobId);
      await idle.discard();
      expect((await sandbox.exec("true")).exitCode).toBe(0);
    } finally {
      await sandbox.destroy();
    }
    const unused = await p.startIdle({}, async () => undefined);
    const before = (await p.list()).length;
    await unused.discard();
    expect((await p.list()).length).toBe(before - 1);
  });
});
