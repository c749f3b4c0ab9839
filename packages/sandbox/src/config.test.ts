import { describe, expect, it } from "vitest";
import { buildContainerConfig, resolveOptions } from "./container-config.js";
import { FrameParser } from "./frames.js";
import { containerName, labelFilter, listingFromLabels } from "./labels.js";

const NOW = new Date("2025-01-02T03:04:05.000Z");

describe("buildContainerConfig", () => {
  it("hardens the container and applies limits", () => {
    const o = resolveOptions(
      "img:1",
      { memoryMb: 512 },
      { jobId: "job-1", workerId: "w1", cpus: 1.5, env: { A: "1" } },
    );
    const config = buildContainerConfig(o, "patchbay-job-1-x", NOW);
    const host = config.HostConfig ?? {};
    expect(config.Image).toBe("img:1");
    expect(config.User).toBe("1000:1000");
    expect(config.Env).toEqual(["HOME=/home/sandbox", "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "A=1"]);
    expect(config.Labels).toEqual({
      "patchbay.managed": "1",
      "patchbay.job": "job-1",
      "patchbay.worker": "w1",
      "patchbay.created": NOW.toISOString(),
    });
    expect(host.NetworkMode).toBe("none");
    expect(host.CapDrop).toEqual(["ALL"]);
    expect(host.SecurityOpt).toEqual(["no-new-privileges"]);
    expect(host.ReadonlyRootfs).toBe(true);
    expect(host.Memory).toBe(512 * 1024 * 1024);
    expect(host.MemorySwap).toBe(host.Memory);
    expect(host.NanoCpus).toBe(1_500_000_000);
    expect(host.PidsLimit).toBe(512);
    expect(host.Binds).toEqual([]);
    // The disks default to shares of the memory, together under it (tmpfs pages are memory).
    expect(host.Tmpfs?.["/workspace"]).toBe("rw,exec,nosuid,nodev,size=256m,uid=1000,gid=1000,mode=0755");
    expect(host.Tmpfs?.["/tmp"]).toBe("rw,exec,nosuid,nodev,size=64m,mode=1777");
    expect(host.Tmpfs?.["/home/sandbox"]).toContain("size=64m");
  });

  it("defaults to 4096 MiB of memory with a 2048 MiB workspace, and keeps disks the caller names", () => {
    const o = resolveOptions("img", {}, { jobId: "j" });
    expect([o.memoryMb, o.workspaceMb, o.tmpMb, o.homeMb]).toEqual([4096, 2048, 512, 512]);
    expect(o.workspaceMb + o.tmpMb + o.homeMb).toBeLessThan(o.memoryMb);
    const named = resolveOptions("img", { workspaceMb: 100 }, { jobId: "j", memoryMb: 1024, tmpMb: 10 });
    expect([named.workspaceMb, named.tmpMb, named.homeMb]).toEqual([100, 10, 128]);
  });

  it("refuses nonsense limits and a missing job id", () => {
    expect(() => resolveOptions("img", {}, { jobId: "j", memoryMb: 0 })).toThrow(/memoryMb/);
    expect(() => resolveOptions("img", {}, { jobId: "j", cpus: Number.NaN })).toThrow(/cpus/);
    expect(() => resolveOptions("img", {}, { jobId: "" })).toThrow(/jobId/);
  });

  it("lets a request override provider defaults, env merged", () => {
    const o = resolveOptions("img", { cpus: 2, env: { A: "1", B: "2" } }, { jobId: "j", cpus: 1, env: { B: "3" } });
    expect(o.cpus).toBe(1);
    expect(o.env).toEqual({ A: "1", B: "3" });
  });
});

describe("labels", () => {
  it("round-trips a listing and falls back to the engine's time", () => {
    expect(listingFromLabels("c1", { "patchbay.job": "j", "patchbay.created": NOW.toISOString() }, 5)).toEqual({
      id: "c1",
      jobId: "j",
      createdAt: NOW,
      workerId: null,
      poolId: null,
      idle: false,
      installationId: null,
    });
    expect(listingFromLabels("c2", { "patchbay.job": "j" }, 5).createdAt).toEqual(new Date(5000));
  });

  it("filters Patchbay's containers and makes engine-safe names", () => {
    expect(labelFilter()).toEqual({ label: ["patchbay.managed=1"] });
    expect(labelFilter("inst-1")).toEqual({ label: ["patchbay.managed=1", "patchbay.installation=inst-1"] });
    expect(containerName("job/with spaces:1", "ab12")).toBe("patchbay-job-with-spaces-1-ab12");
  });
});

function frame(type: number, text: string): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(Buffer.byteLength(text), 4);
  return Buffer.concat([header, Buffer.from(text)]);
}

describe("FrameParser", () => {
  it("splits frames across arbitrary chunk boundaries", () => {
    const raw = Buffer.concat([frame(1, "hello "), frame(2, "oops"), frame(1, "world"), frame(1, "")]);
    const parser = new FrameParser();
    const got: string[] = [];
    for (let i = 0; i < raw.length; i += 3) {
      for (const f of parser.push(raw.subarray(i, i + 3))) got.push(`${f.stream}:${f.payload.toString()}`);
    }
    expect(got).toEqual(["stdout:hello ", "stderr:oops", "stdout:world", "stdout:"]);
    expect(parser.bufferedBytes).toBe(0);
  });
});
