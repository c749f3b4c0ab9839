import { describe, expect, it } from "vitest";
import { loadConfig } from "./index.js";

describe("PATCHBAY_EGRESS_BRIDGE", () => {
  it("defaults to the bridge under PATCHBAY_STATE_DIR, as an absolute path Docker can bind-mount", () => {
    expect(loadConfig({}, { PATCHBAY_STATE_DIR: "/var/lib/pb" }).PATCHBAY_EGRESS_BRIDGE).toBe(
      "/var/lib/pb/bin/egress-bridge",
    );
    expect(loadConfig({}, {}).PATCHBAY_EGRESS_BRIDGE).toBe(`${process.cwd()}/.patchbay/bin/egress-bridge`);
    expect(loadConfig({ PATCHBAY_EGRESS_BRIDGE: "/opt/eb" }, {}).PATCHBAY_EGRESS_BRIDGE).toBe("/opt/eb");
  });
});

describe("PATCHBAY_SANDBOX_RUNNER", () => {
  it("defaults to the runner under PATCHBAY_STATE_DIR (absolute); `off` turns it off", () => {
    expect(loadConfig({}, { PATCHBAY_STATE_DIR: "/var/lib/pb" }).PATCHBAY_SANDBOX_RUNNER).toBe(
      "/var/lib/pb/bin/sandbox-runner",
    );
    expect(loadConfig({ PATCHBAY_SANDBOX_RUNNER: "bin/run" }, {}).PATCHBAY_SANDBOX_RUNNER).toBe(
      `${process.cwd()}/bin/run`,
    );
    expect(loadConfig({ PATCHBAY_SANDBOX_RUNNER: "off" }, {}).PATCHBAY_SANDBOX_RUNNER).toBeNull();
  });
});
