import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type CheckoutStats, type JobSpec, PatchbayError } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import { runHostGit } from "./host-git.js";
import { checkRepoSize, type RepoLimits } from "./repo-size.js";

/** A repository checked out on the worker host. */
export interface HostCheckout {
  dir: string;
  baseCommit: string;
  remove(): Promise<void>;
  /** Puts the checkout into an empty sandbox workspace; without it, `dir` is tarred in. */
  fill?(sandbox: Sandbox): Promise<void>;
  /** What the worker's git cache reused (absent: a plain clone). */
  stats?: CheckoutStats;
}

interface GitOptions {
  cwd?: string;
  timeoutMs: number;
  hostPath: string;
  signal?: AbortSignal;
  /** Extra environment (clone credentials from the project's secrets, see secrets.ts). */
  env?: Record<string, string>;
  /** Files and bytes a checkout may have (PATCHBAY_MAX_REPO_FILES / PATCHBAY_MAX_REPO_MB). */
  limits?: Partial<RepoLimits>;
}

/** The environment host git runs with: no prompts, no user config, only the transports a JobSpec may name. */
export function gitEnv(options: Pick<GitOptions, "env" | "hostPath">): Record<string, string> {
  return {
    ...options.env,
    PATH: options.hostPath,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_GLOBAL: "/dev/null",
    HOME: "/nonexistent",
    // No ext::, fd:: or plain http, also for submodules.
    GIT_ALLOW_PROTOCOL: "https:ssh:file",
  };
}

async function git(args: string[], options: GitOptions): Promise<string> {
  const { stdout } = await runHostGit(args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    timeoutMs: options.timeoutMs,
    env: gitEnv(options),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return stdout.trim();
}

/** A clone's failure as repo_clone_failed with git's last words (a PatchbayError passes unchanged). */
export function cloneError(spec: JobSpec["repo"], err: unknown): PatchbayError {
  if (err instanceof PatchbayError) return err;
  const stderr = typeof err === "object" && err && "stderr" in err ? String(err.stderr) : String(err);
  const reason = stderr.trim().split("\n").slice(-3).join(" ").slice(0, 500);
  return new PatchbayError(
    "repo_clone_failed",
    `could not clone ${spec.source ? `source ${spec.source}` : spec.url}${spec.ref ? ` at ${spec.ref}` : ""}: ${reason}`,
  );
}

/**
 * Clones the job's repository on the host (which may have network; the sandbox has none) and
 * checks out the commit, ref or default branch — after measuring the commit's tree, so a small
 * repository that expands to a huge checkout is refused (repo_too_large) before it is written.
 */
export async function cloneRepository(
  repo: JobSpec["repo"],
  workDir: string,
  options: Omit<GitOptions, "cwd">,
  bundle?: () => Promise<Buffer>,
): Promise<HostCheckout> {
  const parent = await mkdtemp(path.join(workDir, "clone-"));
  const dir = path.join(parent, "repo");
  const remove = () => rm(parent, { recursive: true, force: true });
  try {
    const from = bundle ? path.join(parent, "source.bundle") : repo.url;
    // An uploaded source (repo.source) is a complete git bundle: cloned from a file, not from repo.url.
    if (bundle) await writeFile(from, await bundle());
    await git(["clone", "--quiet", "--no-hardlinks", "--no-checkout", "--", from, dir], options);
    const inRepo = { ...options, cwd: dir };
    const target = repo.commit ?? repo.ref;
    let commit = "HEAD";
    if (target) {
      // A ref may be a branch, a tag or a commit the default clone did not fetch.
      commit = await git(["rev-parse", "--verify", "--quiet", `${target}^{commit}`], inRepo).catch(async () => {
        await git(["fetch", "--quiet", "origin", target], inRepo);
        return "FETCH_HEAD";
      });
    }
    await checkRepoSize(dir, commit, { ...options, env: gitEnv(options) }, options.limits);
    if (target) await git(["checkout", "--quiet", "--detach", commit], inRepo);
    else await git(["reset", "--quiet", "--hard", "HEAD"], inRepo);
    const baseCommit = await git(["rev-parse", "HEAD"], inRepo);
    return { dir, baseCommit, remove };
  } catch (err) {
    await remove();
    throw cloneError(repo, err);
  }
}
