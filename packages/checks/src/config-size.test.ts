import { describe, expect, it } from "vitest";
import { loadRepoConfig, MAX_CONFIG_BYTES } from "./config-file.js";
import { LocalWorkspace } from "./test-support/local-workspace.js";

describe("a huge .patchbay.yml", () => {
  it("is refused as invalid_config naming the size limit, not parsed", async () => {
    const big = `setup:\n${"  - echo padding\n".repeat(Math.ceil((MAX_CONFIG_BYTES + 10) / 17))}`;
    const workspace = await LocalWorkspace.create({ ".patchbay.yml": big });
    try {
      await expect(loadRepoConfig(workspace)).rejects.toMatchObject({
        code: "invalid_config",
        message: expect.stringContaining(`larger than ${MAX_CONFIG_BYTES} bytes`),
      });
    } finally {
      await workspace.dispose();
    }
  });
});
