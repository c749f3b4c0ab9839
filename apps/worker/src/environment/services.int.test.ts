import { loadConfig } from "@patchbay/config";
import { createDb } from "@patchbay/db";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { startEnvironmentServices } from "./services.js";

const config = loadConfig();
const db = createDb(config.DATABASE_URL, { max: 1 });
const logger = pino({ level: "silent" });

afterAll(() => db.$disconnect());

describe("startEnvironmentServices", () => {
  it("runs the egress proxy for a local engine, and none for a remote one, saying why setup is offline", async () => {
    const local = await startEnvironmentServices(config, { db, installationId: "unset", logger, engineLocal: true });
    const remote = await startEnvironmentServices(config, { db, installationId: "unset", logger, engineLocal: false });
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
});
