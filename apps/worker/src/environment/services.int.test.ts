import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "@patchbay/config";
import { createDb } from "@patchbay/db";
import { hostPackageRegistries, SANDBOX_EGRESS } from "@patchbay/egress";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { sandboxEgressMounts, startEnvironmentServices } from "./services.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 1 });
const logger = pino({ level: "silent" });

afterAll(() => db.$disconnect());

describe("startEnvironmentServices", () => {
  it("runs the egress proxy for a local engine, and none for a remote one, saying why setup is offline", async () => {
    const base = { db, installationId: "unset", logger, hostRegistries: await hostPackageRegistries() };
    const local = await startEnvironmentServices(config, { ...base, engineLocal: true, sharedInEvery: true });
    const remote = await startEnvironmentServices(config, { ...base, engineLocal: false, sharedInEvery: false });
    try {
      expect(local.services.egress).toBeDefined();
      expect(remote.services.egress).toBeUndefined();
      const offline = (remote.services as { offline?: string }).offline;
      expect(offline).toMatch(/Docker engine is remote \(DOCKER_HOST\)/);
    } finally {
      await local.close();
      await remote.close();
    }
  });

  it("gives every sandbox the bridge (and the host's CA bundle when readable), and nothing with egress off", async () => {
    const registries = await hostPackageRegistries();
    const mounts = await sandboxEgressMounts(config, registries);
    expect(mounts[0]).toEqual({
      type: "bind",
      source: config.PATCHBAY_EGRESS_BRIDGE,
      target: SANDBOX_EGRESS.bridgePath,
      readOnly: true,
    });
    expect(mounts.every((m) => m.readOnly)).toBe(true);
    expect(await sandboxEgressMounts({ ...config, PATCHBAY_EGRESS: false }, registries)).toEqual([]);
    const missing = { ...config, PATCHBAY_EGRESS_BRIDGE: "/nonexistent/egress-bridge" };
    expect(await sandboxEgressMounts(missing, registries)).toEqual([]);
  });

  it("its hourly sweep keeps the dependency caches under PATCHBAY_DEPENDENCY_CACHE_MAX_GB, least recently used out first", async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), "pb-services-"));
    const capped = { ...config, PATCHBAY_WORK_DIR: workDir, PATCHBAY_DEPENDENCY_CACHE_MAX_GB: 3000 / 1024 ** 3 };
    const base = { db, installationId: `t-${randomUUID()}`, logger, hostRegistries: await hostPackageRegistries() };
    const runtime = await startEnvironmentServices(capped, { ...base, engineLocal: false, sharedInEvery: false });
    try {
      const cache = (name: string, bytes: number, hoursAgo: number) => {
        const dir = path.join(workDir, "caches", name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "npm"), "x".repeat(bytes));
        const at = new Date(Date.now() - hoursAgo * 3600_000);
        utimesSync(dir, at, at);
        return dir;
      };
      const older = cache("i-older", 2000, 2);
      const newer = cache("i-newer", 2000, 1);
      await runtime.sweep();
      expect([existsSync(older), existsSync(newer)]).toEqual([false, true]);
    } finally {
      await runtime.close();
      rmSync(workDir, { recursive: true, force: true });
    }
  });
});
