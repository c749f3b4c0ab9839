import { createHash } from "node:crypto";
import type { ChecksPlan } from "@patchbay/checks";
import type { CheckRun } from "@patchbay/core";
import type { BaselineRecord, BaselineRepository } from "@patchbay/db";
import type { IndexEntry } from "../environment/index-reader.js";
import type { JobSandboxSpec } from "./job-sandboxes.js";

/** How long a kept baseline stands for later jobs' (a day of jobs on one commit, flaky tests aside). */
export const BASELINE_TTL_MS = 24 * 3600_000;
/** Bump when what a baseline's runs hold, how checks run or how the key is made changes. */
const KEY_FORMAT = "baseline-v2";

/** Where kept baselines live (BaselineRepository). */
export type BaselineStore = Pick<BaselineRepository, "find" | "save">;

/** What decides a baseline's outcome besides the project. */
export interface BaselineInputs {
  /** The checkout's git index (readHostIndex): every path with its mode and blob. */
  index: ReadonlyMap<string, IndexEntry>;
  /** The environment's key ("" when setup had nothing to install). */
  environmentKey: string;
  sandbox: Pick<JobSandboxSpec, "image" | "cpus" | "memoryMb">;
  plan: Pick<ChecksPlan, "commands">;
}

/**
 * The key of a baseline: the checkout's tree as its index lists it (not the commit: a rebased or
 * re-committed tree checks the same), the environment, the image and limits the checks ran
 * with, and the commands.
 */
export function baselineKey(inputs: BaselineInputs): string {
  const hash = createHash("sha256").update(KEY_FORMAT);
  for (const [path, entry] of inputs.index) hash.update(`\0${entry.mode} ${entry.oid}\0${path}`);
  const settings = { environment: inputs.environmentKey, sandbox: inputs.sandbox, commands: inputs.plan.commands };
  return hash
    .update(`\0${JSON.stringify(settings)}`)
    .digest("hex")
    .slice(0, 40);
}

/** Whether a baseline's runs may stand for later jobs': each ran to its end (no time-out). */
export function reusable(runs: readonly CheckRun[]): boolean {
  return runs.length > 0 && runs.every((run) => !run.timedOut && run.exitCode !== null);
}

/** A kept baseline for `key`, or null (a storage error is no reason to fail the job: it runs its own). */
export async function findBaseline(
  store: BaselineStore,
  projectId: string,
  key: string,
): Promise<BaselineRecord | null> {
  return store.find(projectId, key).catch(() => null);
}
