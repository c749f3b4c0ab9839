import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type JobSpec, PatchbayError, type PushResult } from "@patchbay/core";
import { runHostGit } from "./host-git.js";
import { checkRepoTarget, repoTargetEnv } from "./repo-target.js";
import type { PipelineSettings } from "./settings.js";

/** A username and password (or token) for the remote; they reach git through GIT_ASKPASS only. */
export interface GitCredentials {
  username: string;
  password: string;
}

/** What pushBranch needs: where, what, as whom. */
export interface PushRequest {
  remote: string;
  baseCommit: string;
  /** A patch `git apply` accepts on the base commit. */
  patch: string;
  branch: string;
  /** Replace the branch when it exists; otherwise an existing branch is refused. */
  force: boolean;
  author: { name: string; email: string };
  message: string;
  workDir: string;
  hostPath: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** From the project's secrets (the caller resolves them). */
  credentials?: GitCredentials;
  /** Extra environment for git (e.g. GIT_SSH_COMMAND with a deploy key), also from secrets. */
  env?: Record<string, string>;
  /** Why a credential the project has was not used for this remote; added to a failure's message. */
  credentialNote?: string;
}

// Answers git's "Username for …" / "Password for …" prompts from the environment, so the secret
// never appears in a URL, an argument list or the remote's configuration.
const ASKPASS = `#!/bin/sh
case "$1" in
  Username*) printf '%s\\n' "$PATCHBAY_GIT_USERNAME" ;;
  *) printf '%s\\n' "$PATCHBAY_GIT_PASSWORD" ;;
esac
`;

/**
 * Commits the patch on the base commit in a fresh clone on the worker host (never in the
 * sandbox, which has no network and no credentials) and pushes it as `branch`. A branch that
 * exists is refused unless `force`; the push itself is conditional on what was seen, so a branch
 * created or moved meanwhile is never overwritten.
 */
export async function pushBranch(request: PushRequest): Promise<PushResult> {
  const parent = await mkdtemp(path.join(request.workDir, "push-"));
  try {
    const git = await gitIn(parent, request);
    await git(["check-ref-format", "--branch", request.branch]).catch(() => {
      throw pushFailed(request, "it is not a valid branch name");
    });
    await git(["clone", "--quiet", "--no-checkout", "--", request.remote, "repo"]);
    const inRepo = (args: string[]) => git(["-C", "repo", ...args]);
    await inRepo(["cat-file", "-e", `${request.baseCommit}^{commit}`]).catch(() =>
      inRepo(["fetch", "--quiet", "origin", request.baseCommit]),
    );
    await inRepo(["checkout", "--quiet", "--detach", request.baseCommit]);
    const patchFile = path.join(parent, "change.diff");
    await writeFile(patchFile, request.patch);
    await inRepo(["apply", "--index", "--binary", patchFile]);
    const { name, email } = request.author;
    const identity = ["-c", `user.name=${name}`, "-c", `user.email=${email}`];
    await inRepo([...identity, "commit", "--quiet", "--no-verify", "-m", request.message]);
    const commit = await inRepo(["rev-parse", "HEAD"]);
    const existing = await remoteBranch(inRepo, request.branch);
    if (existing && !request.force) {
      throw pushFailed(request, `it already exists on the remote (at ${existing}); set output.force to replace it`);
    }
    // An empty expected value means "must not exist yet".
    const lease = `--force-with-lease=refs/heads/${request.branch}:${existing ?? ""}`;
    await inRepo(["push", "--quiet", "--no-verify", lease, "origin", `HEAD:refs/heads/${request.branch}`]).catch(
      (err: unknown) => {
        throw pushFailed(request, `the remote refused it: ${stderrOf(err)}`);
      },
    );
    return { remote: request.remote, branch: request.branch, commit, forced: existing !== null };
  } catch (err) {
    if (err instanceof PatchbayError) throw err;
    throw pushFailed(request, stderrOf(err));
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}

async function remoteBranch(git: (args: string[]) => Promise<string>, branch: string): Promise<string | null> {
  const line = await git(["ls-remote", "--heads", "origin", `refs/heads/${branch}`]);
  return line === "" ? null : line.split(/\s+/)[0]!;
}

/**
 * A git runner in `dir` with no user configuration, no prompts and only the given secrets. Each
 * command runs in a process group of its own: a time-out or the job's cancel kills git with its
 * ssh, which would otherwise hang on as an orphan.
 */
async function gitIn(dir: string, request: PushRequest): Promise<(args: string[]) => Promise<string>> {
  const env: Record<string, string> = {
    ...request.env,
    PATH: request.hostPath,
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_GLOBAL: "/dev/null",
    HOME: "/nonexistent",
    GIT_ALLOW_PROTOCOL: "https:ssh:file",
  };
  if (request.credentials) {
    const askpass = path.join(dir, "askpass.sh");
    await writeFile(askpass, ASKPASS);
    await chmod(askpass, 0o700);
    Object.assign(env, {
      GIT_ASKPASS: askpass,
      PATCHBAY_GIT_USERNAME: request.credentials.username,
      PATCHBAY_GIT_PASSWORD: request.credentials.password,
    });
  }
  return async (args) => {
    const { stdout } = await runHostGit(args, {
      cwd: dir,
      env,
      timeoutMs: request.timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return stdout.trim();
  };
}

function pushFailed(request: PushRequest, why: string): PatchbayError {
  const note = request.credentialNote ? ` (${request.credentialNote})` : "";
  return new PatchbayError(
    "push_failed",
    `could not push branch ${request.branch} to ${request.remote}: ${why}${note}`,
  );
}

function stderrOf(err: unknown): string {
  const text = typeof err === "object" && err && "stderr" in err ? String(err.stderr) : String(err);
  return text.trim().split("\n").slice(-3).join(" ").slice(0, 500);
}

/** The commit message: the task's first line as the subject, the task and the agent's summary below. */
export function commitMessage(task: string, summary: string | null, jobId: string): string {
  const lines = task.trim().split("\n");
  const first = lines[0]!.trim();
  const subject = first.length > 72 ? `${first.slice(0, 71)}…` : first;
  const body = [first.length > 72 || lines.length > 1 ? task.trim() : "", summary?.trim() ?? ""].filter(Boolean);
  return [subject, ...body, `Patchbay-Job: ${jobId}`].join("\n\n");
}

/** Credentials and environment for the job's remote, from the project's secrets (JobSecrets.gitCredentials). */
export interface GitSecrets {
  credentials?: GitCredentials;
  env?: Record<string, string>;
  /** Why a credential was not used for this remote (GitCredentials.note). */
  note?: string;
}

/** What pushForJob reads from the job and the worker. */
export interface JobPushContext {
  jobId: string;
  spec: Pick<JobSpec, "repo" | "task" | "output">;
  baseCommit: string;
  patch: string;
  summary: string | null;
  settings: Pick<PipelineSettings, "workDir" | "hostPath" | "gitAuthor" | "allowPrivateRepos">;
  signal?: AbortSignal;
  secrets?: GitSecrets;
  /** The change held a project secret (CollectedPatch.secretsInPatch): it is refused, never pushed. */
  secretsInPatch?: boolean;
}

/**
 * Pushes the job's change as `output.branch` when the JobSpec asks; undefined when it does not or
 * nothing changed. A change that held a project secret is refused with push_failed.
 */
export async function pushForJob(context: JobPushContext): Promise<PushResult | undefined> {
  const output = context.spec.output;
  if (!output?.branch || context.patch === "") return undefined;
  if (context.secretsInPatch) {
    throw new PatchbayError(
      "push_failed",
      `refused to push branch ${output.branch}: the change contains a project secret (result.secretsInPatch); the stored patch has it redacted`,
    );
  }
  // The same address policy and pinning as the clone: a push never reaches loopback or private targets.
  const target = await checkRepoTarget(context.spec.repo.url, {
    allowPrivate: context.settings.allowPrivateRepos ?? false,
  });
  const env = repoTargetEnv(context.secrets?.env ?? {}, target);
  return pushBranch({
    remote: context.spec.repo.url,
    baseCommit: context.baseCommit,
    patch: context.patch,
    branch: output.branch,
    force: output.force ?? false,
    author: context.settings.gitAuthor ?? { name: "Patchbay", email: "patchbay@localhost" },
    message: commitMessage(context.spec.task, context.summary, context.jobId),
    workDir: context.settings.workDir,
    hostPath: context.settings.hostPath,
    timeoutMs: 5 * 60_000,
    ...(context.signal ? { signal: context.signal } : {}),
    ...(context.secrets?.credentials ? { credentials: context.secrets.credentials } : {}),
    env,
    ...(context.secrets?.note ? { credentialNote: context.secrets.note } : {}),
  });
}
