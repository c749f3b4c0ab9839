import { createHash } from "node:crypto";
import type { JobSpec } from "@patchbay/core";
import { describe, expect, it } from "vitest";
import { publicSpec } from "./public-spec.js";

const base: JobSpec = {
  repo: { url: "https://git.example.com/a.git" },
  task: "t",
  model: "m",
  limits: { timeoutSec: 60, maxTurns: 5 },
};

describe("publicSpec", () => {
  it("serves a hidden test patch as its size and digest, never its text", () => {
    const patch = "diff --git a/t.py b/t.py\n+secret test\n";
    const spec = { ...base, checks: { test: "pytest", hidden: { patch, test: "pytest -rA", failToPass: ["t::a"] } } };
    const served = publicSpec(spec);
    expect(JSON.stringify(served)).not.toContain("secret test");
    expect(served.checks?.hidden).toEqual({
      test: "pytest -rA",
      failToPass: ["t::a"],
      patchBytes: Buffer.byteLength(patch),
      patchSha256: createHash("sha256").update(patch).digest("hex"),
    });
    expect(served.checks?.test).toBe("pytest");
    expect(spec.checks.hidden.patch).toBe(patch);
  });

  it("leaves a spec without a hidden patch as it is", () => {
    expect(publicSpec(base)).toBe(base);
  });
});
