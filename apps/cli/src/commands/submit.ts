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
  /** change (default) | ask (answers, read-only) | review (use `patchbay review`). */
  kind?: string;
  engine?: string;
  /** Replace an existing --branch (output.force). */
  force?: boolean;
  /** checks.protectTests: changes to test files are dropped and the original tests judge. */
  protectTests?: boolean;
  reasoningEffort?: string;
  /** Best-of-N: agent rollouts whose checks pick the kept patch (1-8). */
  attempts?: string;
  maxTokens?: string;
  maxCost?: string;
  /** sandbox.cpus, sandbox.memoryMb, sandbox.image */
  cpus?: string;
  memoryMb?: string;
  image?: string;
  /** environment.allow: hosts setup may reach on top of the project's allowlist. */
  allow?: string[];
  /** environment.cache false: run setup even with a cached environment, keep nothing. */
  noEnvCache?: boolean;
}

function gitHere(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** This checkout's clone address: its origin, else its path (a usage error outside a checkout). */
export function originHere(): string {
  const top = gitHere(["rev-parse", "--show-toplevel"]);
  if (!top) throw new CliError("--repo is required outside a git checkout");
  return gitHere(["remote", "get-url", "origin"]) ?? `file://${top}`;
}

/** Validates a JobSpec locally, for a clear message before anything is sent; returns it. */
export function checkedSpec<T>(spec: T): T {
  const parsed = JobSpecSchema.safeParse(spec);
  if (!parsed.success)
    throw new CliError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  return spec;
}

/** The repository: --repo, else this checkout's origin (or its path) at its HEAD commit. */
function repoFrom(flags: SubmitFlags, source?: { id: string; head: string }) {
  if (flags.repo && !source)
    return {
      url: flags.repo,
      ...(flags.ref ? { ref: flags.ref } : {}),
      ...(flags.commit ? { commit: flags.commit } : {}),
    };
  // With a source, the bundle was made from this checkout (submit checked it is one).
  const url = flags.repo ?? originHere();
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

/** Keeps the entries whose value was given (a flag not used leaves its field out of the spec). */
function given<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A boolean flag: true when set, else left out (a spec never says `false` for a flag not given). */
const flag = (on: boolean | undefined) => (on ? true : undefined);

/** A nested spec object from the given fields, or nothing when none was given. */
function section<T extends Record<string, unknown>>(name: string, fields: T): Record<string, Partial<T>> {
  const kept = given(fields);
  return Object.keys(kept).length > 0 ? { [name]: kept } : {};
}

/** Builds a JobSpec from flags, validating it locally for a clear message. */
export function specFromFlags(flags: SubmitFlags, source?: { id: string; head: string }) {
  if (!flags.task) throw new CliError("--task is required: what the agent should do");
  const metadata = metadataFrom(flags.metadata);
  const spec = {
    repo: repoFrom(flags, source),
    task: flags.task,
    ...given({ kind: flags.kind, engine: flags.engine, model: flags.model, reasoningEffort: flags.reasoningEffort }),
    ...given({ attempts: number("--attempts", flags.attempts) }),
    ...(flags.setup?.length ? { setup: flags.setup } : {}),
    ...section("checks", { test: flags.test, lint: flags.lint, protectTests: flag(flags.protectTests) }),
    limits: given({
      maxTurns: number("--max-turns", flags.maxTurns),
      timeoutSec: number("--timeout", flags.timeout),
      maxTokens: number("--max-tokens", flags.maxTokens),
      maxCostUsd: number("--max-cost", flags.maxCost),
    }),
    ...section("sandbox", {
      cpus: number("--cpus", flags.cpus),
      memoryMb: number("--memory-mb", flags.memoryMb),
      image: flags.image,
    }),
    ...section("environment", {
      allow: flags.allow?.length ? flags.allow : undefined,
      cache: flags.noEnvCache ? false : undefined,
    }),
    ...section("output", {
      branch: flags.branch,
      force: flag(flags.force),
      pullRequest: flag(flags.pr),
    }),
    ...(flags.notify ? { notify: { url: flags.notify } } : {}),
    ...(metadata ? { metadata } : {}),
  };
  return checkedSpec(spec);
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
