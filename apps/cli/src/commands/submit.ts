import { execFileSync } from "node:child_process";
import { JobSpecSchema } from "@patchbay/core";
import type { ApiClient, JobView } from "../api-client.js";
import { CliError } from "../api-client.js";

export interface SubmitFlags {
  repo?: string;
  ref?: string;
  commit?: string;
  task?: string;
  model?: string;
  test?: string;
  lint?: string;
  setup?: string[];
  maxTurns?: string;
  timeout?: string;
}

function gitHere(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The repository: --repo, else this checkout's origin (or its path) at its HEAD commit. */
function repoFrom(flags: SubmitFlags) {
  if (flags.repo)
    return {
      url: flags.repo,
      ...(flags.ref ? { ref: flags.ref } : {}),
      ...(flags.commit ? { commit: flags.commit } : {}),
    };
  const top = gitHere(["rev-parse", "--show-toplevel"]);
  if (!top) throw new CliError("--repo is required outside a git checkout");
  const url = gitHere(["remote", "get-url", "origin"]) ?? `file://${top}`;
  return { url, commit: flags.commit ?? gitHere(["rev-parse", "HEAD"]) };
}

/** Builds a JobSpec from flags, validating it locally for a clear message. */
export function specFromFlags(flags: SubmitFlags) {
  if (!flags.task) throw new CliError("--task is required: what the agent should do");
  const spec = {
    repo: repoFrom(flags),
    task: flags.task,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.setup?.length ? { setup: flags.setup } : {}),
    ...(flags.test || flags.lint
      ? { checks: { ...(flags.test ? { test: flags.test } : {}), ...(flags.lint ? { lint: flags.lint } : {}) } }
      : {}),
    limits: {
      ...(flags.maxTurns ? { maxTurns: Number(flags.maxTurns) } : {}),
      ...(flags.timeout ? { timeoutSec: Number(flags.timeout) } : {}),
    },
  };
  const parsed = JobSpecSchema.safeParse(spec);
  if (!parsed.success)
    throw new CliError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return spec;
}

/** `patchbay submit`: sends the job and prints its id (or the job as JSON). */
export async function submit(api: ApiClient, flags: SubmitFlags): Promise<JobView> {
  return api.submit(specFromFlags(flags));
}
