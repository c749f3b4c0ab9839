import type { PlanSource } from "./checkout-reader.js";
import { loadRepoConfig, type RepoConfig } from "./config-file.js";
import { detectChecks } from "./detect.js";
import { type ResolvedSetup, resolveChecks, resolveSetup } from "./resolve.js";
import { DEFAULT_TEST_GLOBS } from "./test-files.js";
import type { CheckCommand, CheckSpec } from "./types.js";

/** What the JobSpec says about checks (its `setup` and `checks`). */
export interface JobChecksSpec {
  setup?: readonly string[] | undefined;
  checks?: (CheckSpec & { protectTests?: boolean | undefined }) | undefined;
}

/** Everything a job needs to know to set up, check and protect a repository. */
export interface ChecksPlan {
  setup: ResolvedSetup;
  commands: CheckCommand[];
  protectTests: boolean;
  testGlobs: readonly string[];
  /** The repository's .patchbay.yml, when it has one. */
  config: RepoConfig | null;
}

/**
 * Reads .patchbay.yml (a bad one throws `invalid_config`), detects what the repository offers and
 * resolves each setting with the precedence JobSpec → .patchbay.yml → detection.
 */
export async function planChecks(source: PlanSource, spec: JobChecksSpec): Promise<ChecksPlan> {
  const config = await loadRepoConfig(source);
  const detected = await detectChecks(source);
  const setup = resolveSetup(spec.setup, detected, config);
  return {
    setup,
    commands: resolveChecks(spec.checks, detected, config, { detectedSetup: setup.source === "detected" }),
    protectTests: spec.checks?.protectTests ?? config?.protectTests ?? false,
    testGlobs: config?.testGlobs ?? DEFAULT_TEST_GLOBS,
    config,
  };
}
