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
