import { createHash } from "node:crypto";
import type { JobSpec } from "@patchbay/core";

/**
 * The spec as the API and notifications serve it: a hidden test patch (checks.hidden.patch) is
 * never served back, to anyone; its size and SHA-256 stand in for it so that a caller can tell
 * which patch a job ran with.
 */
export function publicSpec(spec: JobSpec) {
  const hidden = spec.checks?.hidden;
  if (hidden?.patch === undefined) return spec;
  const { patch, ...rest } = hidden;
  const digest = createHash("sha256").update(patch).digest("hex");
  const served = { ...rest, patchBytes: Buffer.byteLength(patch), patchSha256: digest };
  return { ...spec, checks: { ...spec.checks, hidden: served } };
}
