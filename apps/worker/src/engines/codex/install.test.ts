import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureCodex } from "./install.js";

// Fetching for real is what the Codex e2e does on a fresh host (npm pack, about 170 MB); here,
// what needs no registry.
const root = mkdtempSync(path.join(tmpdir(), "pb-codex-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("ensureCodex", () => {
  it("reuses an install of the version without asking npm", async () => {
    const dir = path.join(root, "9.9.9-x86_64-unknown-linux-musl");
    mkdirSync(path.join(dir, "bin"), { recursive: true });
    writeFileSync(path.join(dir, "bin", "codex"), "#!/bin/sh\n", { mode: 0o755 });
    await expect(ensureCodex(root, "9.9.9", "x64")).resolves.toEqual({ version: "9.9.9", dir });
  });

  it("names an architecture Codex has no Linux build for", async () => {
    await expect(ensureCodex(root, "9.9.9", "ia32")).rejects.toMatchObject({ code: "engine_failed" });
  });

  it("says what npm said when the version does not exist", async () => {
    await expect(ensureCodex(root, "0.0.0-no-such-version", "x64")).rejects.toThrow(
      /npm pack @openai\/codex@0\.0\.0-no-such-version-linux-x64 failed/,
    );
  }, 60_000);
});
