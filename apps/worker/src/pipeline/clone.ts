import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { type JobSpec, PatchbayError } from "@patchbay/core";

const run = promisify(execFile);

/** A repository checked out on the worker host. */
export interface HostCheckout {
  dir: string;
  baseCommit: string;
  remove(): Promise<void>;
}

interface GitOptions {
  cwd?: string;
  timeoutMs: number;
  hostPath: string;
  signal?: AbortSignal;
  /** Extra environment (clone credentials from the project's secrets, see secrets.ts). */
  env?: Record<string, string>;
}

async function git(args: string[], options: GitOptions): Promise<string> {
  const { stdout } = await run("git", args, {
    cwd: options.cwd,
    timeout: options.timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
    // No prompts (a missing credential fails fast) and no user config leaking into the clone.
    // Only the transports a JobSpec may name: no ext::, fd:: or plain http, also for submodules.
    env: {
      ...options.env,
      PATH: options.hostPath,
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_GLOBAL: "/dev/null",
      HOME: "/nonexistent",
      GIT_ALLOW_PROTOCOL: "https:ssh:file",
    },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return stdout.trim();
}

function cloneError(spec: JobSpec["repo"], err: unknown): PatchbayError {
  const stderr = typeof err === "object" && err && "stderr" in err ? String(err.stderr) : String(err);
  const reason = stderr.trim().split("\n").slice(-3).join(" ").slice(0, 500);
  return new PatchbayError(
    "repo_clone_failed",
    `could not clone ${spec.source ? `source ${spec.source}` : spec.url}${spec.ref ? ` at ${spec.ref}` : ""}: ${reason}`,
  );
}

/**
 * Clones the job's repository on the host (which may have network; the sandbox has none) and
 * checks out the commit, ref or default branch.
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
    await git(["clone", "--quiet", "--no-hardlinks", "--", from, dir], options);
    const inRepo = { ...options, cwd: dir };
    const target = repo.commit ?? repo.ref;
    if (target) {
      // A ref may be a branch, a tag or a commit the default clone did not fetch.
      await git(["checkout", "--quiet", "--detach", target], inRepo).catch(async () => {
        await git(["fetch", "--quiet", "origin", target], inRepo);
        await git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], inRepo);
      });
    }
    const baseCommit = await git(["rev-parse", "HEAD"], inRepo);
    return { dir, baseCommit, remove };
  } catch (err) {
    await remove();
    throw cloneError(repo, err);
  }
}
