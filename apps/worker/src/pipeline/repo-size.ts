import { PatchbayError } from "@patchbay/core";
import { HostGitError, runHostGit } from "./host-git.js";

/** How big a job's checkout may be. */
export interface RepoLimits {
  /** Files in the checked-out tree (PATCHBAY_MAX_REPO_FILES). */
  maxFiles: number;
  /** Megabytes of the checkout plus its git data (PATCHBAY_MAX_REPO_MB). */
  maxMb: number;
}

export const DEFAULT_REPO_LIMITS: RepoLimits = { maxFiles: 200_000, maxMb: 2048 };
const MB = 1024 * 1024;

/** Files and bytes of a tree, counted from `git ls-tree -r -l -z` output as it streams. */
export class TreeTally {
  files = 0;
  bytes = 0;
  private rest = "";

  /** Adds a chunk of output; records split across chunks are joined. */
  add(chunk: string): void {
    const records = (this.rest + chunk).split("\0");
    this.rest = records.pop() ?? "";
    for (const record of records) this.count(record);
  }

  private count(record: string): void {
    // "<mode> <type> <object> <size>\t<path>"; a submodule's size is "-".
    const tab = record.indexOf("\t");
    if (tab < 0) return;
    this.files++;
    const size = Number(record.slice(0, tab).trim().split(/\s+/)[3]);
    if (Number.isFinite(size)) this.bytes += size;
  }
}

/** Bytes of git's own data (`git count-objects -v`: packs and loose objects). */
export function gitDataBytes(countObjects: string): number {
  let kib = 0;
  for (const match of countObjects.matchAll(/^(?:size|size-pack|size-garbage): (\d+)$/gm)) kib += Number(match[1]);
  return kib * 1024;
}

/**
 * Measures the commit's tree before it is checked out, and the clone's git data (`gitBytes` when
 * the caller has just measured it): more files or megabytes than the limits allow is
 * `repo_too_large`, naming the numbers, and nothing is written.
 */
export async function checkRepoSize(
  dir: string,
  commit: string,
  git: { timeoutMs: number; env: Record<string, string>; signal?: AbortSignal },
  partial: Partial<RepoLimits> = {},
  knownGitBytes?: number,
): Promise<void> {
  const limits = { ...DEFAULT_REPO_LIMITS, ...partial };
  const maxBytes = limits.maxMb * MB;
  const run = { cwd: dir, timeoutMs: git.timeoutMs, env: git.env, ...(git.signal ? { signal: git.signal } : {}) };
  let gitBytes = knownGitBytes ?? 0;
  // Counted beside the tree's listing, which stops early once the files alone are over.
  const counting =
    knownGitBytes === undefined
      ? runHostGit(["count-objects", "-v"], run).then(({ stdout }) => {
          gitBytes = gitDataBytes(stdout);
        })
      : Promise.resolve();
  const tally = new TreeTally();
  const over = () => tally.files > limits.maxFiles || gitBytes + tally.bytes > maxBytes;
  const listing = runHostGit(["ls-tree", "-r", "-l", "-z", "--full-tree", commit], {
    ...run,
    onStdout: (chunk) => {
      tally.add(chunk.toString("latin1"));
      return !over();
    },
  }).catch((err: unknown) => {
    if (!(err instanceof HostGitError && over())) throw err;
  });
  // Both settle before anything is thrown: no git process outlives the check.
  const steps = await Promise.allSettled([counting, listing]);
  for (const step of steps) if (step.status === "rejected") throw step.reason;
  if (tally.files > limits.maxFiles) {
    throw new PatchbayError(
      "repo_too_large",
      `the repository has more than ${limits.maxFiles} files at ${commit} (counted ${tally.files} before stopping); PATCHBAY_MAX_REPO_FILES allows ${limits.maxFiles}`,
    );
  }
  if (gitBytes + tally.bytes > maxBytes) {
    const mb = (n: number) => Math.ceil(n / MB);
    throw new PatchbayError(
      "repo_too_large",
      `the repository takes more than ${limits.maxMb} MB (at least ${mb(tally.bytes)} MB of files at ${commit} and ${mb(gitBytes)} MB of git data); PATCHBAY_MAX_REPO_MB allows ${limits.maxMb}`,
    );
  }
}
