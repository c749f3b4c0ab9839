import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { bridgeStartCommand, egressEnv, SANDBOX_EGRESS } from "./sandbox-env.js";

describe("egressEnv", () => {
  it("points every tool at the bridge and keeps loopback direct", () => {
    const env = egressEnv();
    const url = `http://127.0.0.1:${SANDBOX_EGRESS.port}`;
    for (const name of ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "npm_config_proxy"]) {
      expect(env[name]).toBe(url);
    }
    expect(env.npm_config_https_proxy).toBe(url);
    expect(env.YARN_HTTPS_PROXY).toBe(url);
    expect(env.NO_PROXY).toBe("localhost,127.0.0.1,::1");
    // pip's --proxy (PIP_PROXY) would override NO_PROXY for indexes on the sandbox's loopback.
    expect(env.PIP_PROXY).toBeUndefined();
  });
});

describe("bridgeStartCommand", () => {
  it("fails with a message naming the missing bridge", async () => {
    const run = promisify(execFile);
    const err = await run("sh", ["-c", bridgeStartCommand()]).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain(`the bridge ${SANDBOX_EGRESS.bridgePath} is not mounted`);
  });
});
