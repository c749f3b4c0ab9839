import { execFileSync } from "node:child_process";
import { JobSpecSchema } from "@patchbay/core";
import type { ApiClient, JobView } from "../api-client.js";
import { CliError } from "../api-client.js";
import { uploadCheckout } from "./upload.js";

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
  branch?: string;
  /** Open a pull request from --branch (output.pullRequest). */
  pr?: boolean;
  notify?: string;
  metadata?: string;
  upload?: boolean;
  idempotencyKey?: string;
}

function gitHere(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The repository: --repo, else this checkout's origin (or its path) at its HEAD commit. */
function repoFrom(flags: SubmitFlags, source?: { id: string; head: string }) {
  if (flags.repo && !source)
    return {
      url: flags.repo,
      ...(flags.ref ? { ref: flags.ref } : {}),
      ...(flags.commit ? { commit: flags.commit } : {}),
    };
  const top = gitHere(["rev-parse", "--show-toplevel"]);
  if (!top) throw new CliError("--repo is required outside a git checkout");
  const url = flags.repo ?? gitHere(["remote", "get-url", "origin"]) ?? `file://${top}`;
  if (source) return { url, source: source.id, commit: flags.commit ?? source.head };
  return { url, commit: flags.commit ?? gitHere(["rev-parse", "HEAD"]) };
}

function metadataFrom(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new CliError('--metadata must be a JSON object, e.g. \'{"ci": "run 42"}\'');
}

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n)) throw new CliError(`${flag} must be a number`);
  return n;
}

/** Builds a JobSpec from flags, validating it locally for a clear message. */
export function specFromFlags(flags: SubmitFlags, source?: { id: string; head: string }) {
  if (!flags.task) throw new CliError("--task is required: what the agent should do");
  const metadata = metadataFrom(flags.metadata);
  const maxTurns = number("--max-turns", flags.maxTurns);
  const timeoutSec = number("--timeout", flags.timeout);
  const spec = {
    repo: repoFrom(flags, source),
    task: flags.task,
    ...(flags.model ? { model: flags.model } : {}),
    ...(flags.setup?.length ? { setup: flags.setup } : {}),
    ...(flags.test || flags.lint
      ? { checks: { ...(flags.test ? { test: flags.test } : {}), ...(flags.lint ? { lint: flags.lint } : {}) } }
      : {}),
    limits: { ...(maxTurns ? { maxTurns } : {}), ...(timeoutSec ? { timeoutSec } : {}) },
    ...(flags.branch || flags.pr
      ? { output: { ...(flags.branch ? { branch: flags.branch } : {}), ...(flags.pr ? { pullRequest: true } : {}) } }
      : {}),
    ...(flags.notify ? { notify: { url: flags.notify } } : {}),
    ...(metadata ? { metadata } : {}),
  };
  const parsed = JobSpecSchema.safeParse(spec);
  if (!parsed.success)
    throw new CliError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return spec;
}

/** `patchbay submit`: (with --upload, first sends a bundle of this checkout) then sends the job. */
export async function submit(api: ApiClient, flags: SubmitFlags, warn: (line: string) => void): Promise<JobView> {
  specFromFlags(flags); // fail on bad flags before uploading anything
  let source: { id: string; head: string } | undefined;
  if (flags.upload) {
    const top = gitHere(["rev-parse", "--show-toplevel"]);
    if (!top) throw new CliError("--upload needs a git checkout (run it inside one)");
    const uploaded = await uploadCheckout(api, top, warn);
    warn(`uploaded ${uploaded.source.bytes} bytes of git bundle as source ${uploaded.source.id}`);
    source = { id: uploaded.source.id, head: uploaded.head };
  }
  return api.submit(specFromFlags(flags, source), flags.idempotencyKey);
}
