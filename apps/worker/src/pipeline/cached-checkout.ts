import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CheckoutStats, JobSpec } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import { cloneError, gitEnv, type HostCheckout } from "./clone.js";
import { type CacheGitOptions, type CacheScope, fetchIntoCache, type GitCacheSettings } from "./git-cache.js";
import { sweepSometimes } from "./git-cache-sweep.js";
import { exportToSandbox, type SandboxHistory } from "./git-export.js";
import { runHostGit } from "./host-git.js";
import { checkRepoSize, type RepoLimits } from "./repo-size.js";

/** A checkout served from the git cache: the sandboxes are filled from the cache entry, not from `dir`. */
export interface CachedCheckout extends HostCheckout {
  fill(sandbox: Sandbox): Promise<void>;
  stats: CheckoutStats;
}

/** Everything a cached checkout needs besides the repository. */
export interface CachedCheckoutOptions {
  cache: GitCacheSettings;
  scope: CacheScope;
  history: SandboxHistory;
  jobId: string;
  workDir: string;
  git: CacheGitOptions;
  limits?: Partial<RepoLimits>;
}

/**
 * The job's commit through the worker's git cache (see git-cache.ts): only what is new is
 * fetched, the size limits are checked on the commit's tree, and `dir` is a git folder holding
 * just the commit's index (what the environment key reads: no file of the tree is written on the
 * host). Each sandbox gets the commit as a pack streamed from the cache (`fill`).
 */
export async function cachedCheckout(repo: JobSpec["repo"], options: CachedCheckoutOptions): Promise<CachedCheckout> {
  const target = repo.commit ?? repo.ref;
  const cached = await fetchIntoCache(options.cache, {
    url: repo.url,
    scope: options.scope,
    jobId: options.jobId,
    git: options.git,
    ...(target ? { target } : {}),
  }).catch((err: unknown) => {
    throw cloneError(repo, err);
  });
  let parent: string | null = null;
  const remove = async () => {
    if (parent) await rm(parent, { recursive: true, force: true });
    await cached.release();
    // At the job's end, not beside its setup: a sweep only removes entries no job uses.
    void sweepSometimes(options.cache.dir, options.cache.maxMb * 1024 * 1024).catch(() => undefined);
  };
  try {
    const env = gitEnv({ hostPath: options.git.hostPath, ...(options.git.env ? { env: options.git.env } : {}) });
    parent = await mkdtemp(path.join(options.workDir, "clone-"));
    const dir = path.join(parent, "repo");
    // Both settle before a failure is thrown, so nothing writes into the folder after its removal.
    const steps = await Promise.allSettled([
      checkRepoSize(cached.entry, cached.commit, { ...options.git, env }, options.limits, cached.gitBytes),
      indexOnly(dir, cached.entry, cached.commit, options.git),
    ]);
    for (const step of steps) if (step.status === "rejected") throw step.reason;
    const exportRequest = { ...cached, history: options.history, git: options.git };
    return {
      dir,
      baseCommit: cached.commit,
      remove,
      fill: (sandbox) => exportToSandbox(sandbox, exportRequest),
      stats: { ...cached.stats, history: options.history },
    };
  } catch (err) {
    await remove();
    throw cloneError(repo, err);
  }
}

/** A git folder at `dir` whose index is the commit's tree (objects borrowed from the entry); no file checked out. */
async function indexOnly(dir: string, entry: string, commit: string, git: CacheGitOptions): Promise<void> {
  const gitDir = path.join(dir, ".git");
  await mkdir(path.join(gitDir, "objects", "info"), { recursive: true });
  await mkdir(path.join(gitDir, "refs"), { recursive: true });
  await writeFile(path.join(gitDir, "HEAD"), `${commit}\n`);
  await writeFile(path.join(gitDir, "config"), "[core]\n\trepositoryformatversion = 0\n\tbare = false\n");
  await writeFile(path.join(gitDir, "objects", "info", "alternates"), `${path.join(entry, "objects")}\n`);
  await runHostGit(["read-tree", commit], {
    cwd: dir,
    timeoutMs: git.timeoutMs,
    env: gitEnv({ hostPath: git.hostPath }),
    ...(git.signal ? { signal: git.signal } : {}),
  });
}

/** The provision log event: what was cloned, and (`data.checkout`) what the git cache reused. */
export function checkoutEvent(url: string, checkout: Pick<HostCheckout, "baseCommit" | "stats">) {
  const text = `${checkoutLine(url, checkout.baseCommit, checkout.stats)}\n`;
  const data = { stream: "stdout" as const, text, phase: "provision" as const, source: "patchbay" };
  return { type: "log" as const, data: checkout.stats ? { ...data, checkout: checkout.stats } : data };
}

/** The provision log line's text: what was cloned, and what the cache reused. */
export function checkoutLine(url: string, commit: string, stats: CheckoutStats | undefined): string {
  const cloned = `cloned ${url} at ${commit}`;
  if (!stats) return cloned;
  const kib = (stats.bytesFetched / 1024).toFixed(1);
  const reuse =
    stats.cache === "hit"
      ? `git cache hit: fetched ${stats.objectsFetched} new objects (${kib} KiB) in ${stats.fetchMs} ms`
      : `git cache miss: fetched ${stats.objectsFetched} objects (${kib} KiB) in ${stats.fetchMs} ms`;
  return `${cloned} (${reuse}; ${stats.history} history streamed into the sandbox)`;
}
