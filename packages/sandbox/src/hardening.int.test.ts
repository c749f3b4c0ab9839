import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerSandbox } from "./docker-sandbox.js";
import { remaining, testProvider, uniqueJobId } from "./test-support.js";

const provider = testProvider();
const jobId = uniqueJobId("hardening");
let sandbox: DockerSandbox;

beforeAll(async () => {
  sandbox = await provider.create({ jobId, workerId: "worker-test", memoryMb: 256, pidsLimit: 64, cpus: 1 });
});

afterAll(async () => {
  await provider.destroyForJob(jobId);
  expect(await remaining(provider, jobId)).toBe(0);
});

const FORK_UNTIL_REFUSED = `
import os, time
pids = []
try:
    for _ in range(500):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)
    print("unbounded", len(pids))
except OSError as e:
    print("refused", len(pids), e.errno)
for pid in pids:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
`;

describe("sandbox hardening", () => {
  it("is configured as asked (engine's view)", async () => {
    const info = await new Dockerode().getContainer(sandbox.id).inspect();
    const host = info.HostConfig;
    expect(host.NetworkMode).toBe("none");
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(host.Privileged).toBe(false);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Memory).toBe(256 * 1024 * 1024);
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.PidsLimit).toBe(64);
    expect(host.NanoCpus).toBe(1e9);
    expect(info.Mounts).toEqual([]);
    expect(info.Config.User).toBe("1000:1000");
    expect(info.Config.Labels).toMatchObject({
      "patchbay.job": jobId,
      "patchbay.worker": "worker-test",
      "patchbay.managed": "1",
    });
  });

  it("has no network but loopback", async () => {
    const devices = await sandbox.exec("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '");
    expect(devices.stdout.trim().split("\n")).toEqual(["lo"]);
    const connect = await sandbox.exec(
      "python3 -c \"import socket; socket.create_connection(('1.1.1.1', 80), timeout=2)\"",
      { timeoutMs: 10_000 },
    );
    expect(connect.exitCode).not.toBe(0);
    expect(connect.stderr).toMatch(/Network is unreachable|timed out/);
  });

  it("runs as uid 1000 with no capabilities and no way to gain privileges", async () => {
    expect((await sandbox.exec("id -u")).stdout).toBe("1000\n");
    const status = (await sandbox.exec("grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status")).stdout;
    expect(status).toMatch(/CapEff:\s+0000000000000000/);
    expect(status).toMatch(/CapPrm:\s+0000000000000000/);
    expect(status).toMatch(/CapBnd:\s+0000000000000000/);
    expect(status).toMatch(/NoNewPrivs:\s+1/);
    expect((await sandbox.exec("test -e /var/run/docker.sock || test -e /run/docker.sock")).exitCode).toBe(1);
  });

  it("has a read-only root and writable, executable tmpfs mounts", async () => {
    const root = await sandbox.exec("touch /opt/x");
    expect(root.exitCode).not.toBe(0);
    expect(root.stderr).toContain("Read-only file system");
    expect((await sandbox.exec("awk '$2 == \"/\" { print $4 }' /proc/mounts")).stdout).toMatch(/^ro,/);
    const script = "printf '#!/bin/sh\\necho ok\\n' > $D/s.sh && chmod +x $D/s.sh && $D/s.sh";
    for (const dir of ["/workspace", "/tmp", "/home/sandbox"]) {
      expect((await sandbox.exec(script, { env: { D: dir } })).stdout).toBe("ok\n");
    }
  });

  it("contains a fork bomb at the pids limit", async () => {
    const result = await sandbox.exec(`python3 -c '${FORK_UNTIL_REFUSED}'`, { timeoutMs: 30_000 });
    expect(result.stdout).toMatch(/^refused \d+ 11\n$/);
    const forked = Number(result.stdout.split(" ")[1]);
    expect(forked).toBeLessThan(64);
    expect((await sandbox.exec("echo alive")).stdout).toBe("alive\n");
  });

  it("kills a memory hog and the engine reports it", async () => {
    const hog = await sandbox.exec("python3 -c \"x = b'x' * (600 * 1024 * 1024); print(len(x))\"", {
      timeoutMs: 30_000,
    });
    expect(hog.exitCode).toBe(137);
    expect(await sandbox.state()).toMatchObject({ running: true, oomKilled: true, oomKills: 1 });
    expect((await sandbox.exec("echo alive")).stdout).toBe("alive\n");
  });
});
