import { parseArgs } from "node:util";
import { loadConfig } from "@patchbay/config";
import { ApiClient, CliError } from "./api-client.js";
import { applyPatch } from "./commands/apply.js";
import { candidatesCommand } from "./commands/candidates.js";
import { docsCommand, searchCommand } from "./commands/docs.js";
import { environmentCommand } from "./commands/environment.js";
import { evalCommand } from "./commands/eval.js";
import { hooksCommand } from "./commands/hooks.js";
import { cancelJob, jobLogs, listJobs, type Out, printPatch, requireId } from "./commands/jobs.js";
import { notificationsCommand } from "./commands/notifications.js";
import { failOnFrom, reportReview, submitReview } from "./commands/review.js";
import { schedulesCommand } from "./commands/schedules.js";
import { secretsCommand } from "./commands/secrets.js";
import { submit } from "./commands/submit.js";
import { followUpJob, requireText, sayToJob } from "./commands/thread.js";
import { waitForJob } from "./commands/wait.js";
import { exitCodeFor, formatSummary } from "./format.js";
import { commandHelp, overview } from "./help.js";
import { progressFor } from "./progress.js";

// Replaced by the bundle build (scripts/build.mjs) with the server's version.
declare const __PATCHBAY_VERSION__: string | undefined;

/** The CLI's version: the server version it was built with ("dev" when run from the sources). */
export const CLI_VERSION = typeof __PATCHBAY_VERSION__ === "string" ? __PATCHBAY_VERSION__ : "dev";

/** The flags of every command (admin ones included: the repository CLI parses the same argv). */
export const OPTIONS = {
  check: { type: "boolean" },
  url: { type: "string" },
  "api-key": { type: "string" },
  project: { type: "string" },
  scopes: { type: "string" },
  name: { type: "string" },
  "rate-limit": { type: "string" },
  "max-running": { type: "string" },
  "max-queued": { type: "string" },
  repo: { type: "string" },
  ref: { type: "string" },
  commit: { type: "string" },
  base: { type: "string" },
  head: { type: "string" },
  "fail-on": { type: "string" },
  task: { type: "string" },
  model: { type: "string" },
  setup: { type: "string", multiple: true },
  test: { type: "string" },
  lint: { type: "string" },
  "max-turns": { type: "string" },
  timeout: { type: "string" },
  branch: { type: "string" },
  pr: { type: "boolean" },
  notify: { type: "string" },
  metadata: { type: "string" },
  "idempotency-key": { type: "string" },
  upload: { type: "boolean" },
  wait: { type: "boolean" },
  "wait-timeout": { type: "string" },
  follow: { type: "boolean", short: "f" },
  status: { type: "string" },
  limit: { type: "string" },
  cron: { type: "string" },
  every: { type: "string" },
  timezone: { type: "string" },
  concurrency: { type: "string" },
  out: { type: "string" },
  engine: { type: "string" },
  attempts: { type: "string" },
  kind: { type: "string" },
  force: { type: "boolean" },
  "protect-tests": { type: "boolean" },
  "reasoning-effort": { type: "string" },
  "max-tokens": { type: "string" },
  "max-cost": { type: "string" },
  cpus: { type: "string" },
  "memory-mb": { type: "string" },
  image: { type: "string" },
  allow: { type: "string", multiple: true },
  "no-env-cache": { type: "boolean" },
  since: { type: "string" },
  all: { type: "boolean" },
  "trigger-label": { type: "string" },
  template: { type: "string" },
  path: { type: "string" },
  mode: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** Parsed flags. */
export type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/** Parses argv (a usage error for an unknown flag). */
export function parseCli(argv: string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n(patchbay help for the commands and their flags)`);
  }
}

const warn = (line: string) => process.stderr.write(`${line}\n`);

function waitTimeoutMs(values: Values): number | undefined {
  if (values["wait-timeout"] === undefined) return undefined;
  const sec = Number(values["wait-timeout"]);
  if (!Number.isFinite(sec) || sec <= 0) throw new CliError("--wait-timeout must be a positive number of seconds");
  return sec * 1000;
}

/** Follows the job to its end; prints the summary (or the job as JSON) and returns the exit code. */
async function finish(api: ApiClient, id: string, values: Values, out: Out): Promise<number> {
  const job = await follow(api, id, values);
  out.print(out.json ? JSON.stringify(job) : formatSummary(job));
  return exitCodeFor(job);
}

/** Follows the job's events (progress on stderr) and returns the finished job. */
function follow(api: ApiClient, id: string, values: Values) {
  const progress = progressFor(id, { quiet: values.quiet ?? false });
  const timeoutMs = waitTimeoutMs(values);
  return waitForJob(api, id, progress, {
    ...(timeoutMs ? { timeoutMs } : {}),
    onRetry: (reason, delayMs) => {
      if (!values.quiet) warn(`patchbay: ${reason}; retrying in ${Math.round(delayMs / 1000)}s`);
    },
  });
}

/** Submit's flags under their camel-case names. */
export function submitFlags(values: Values) {
  return {
    ...values,
    maxTurns: values["max-turns"],
    idempotencyKey: values["idempotency-key"],
    protectTests: values["protect-tests"],
    reasoningEffort: values["reasoning-effort"],
    maxTokens: values["max-tokens"],
    maxCost: values["max-cost"],
    memoryMb: values["memory-mb"],
    noEnvCache: values["no-env-cache"],
  };
}

/** Prints help when asked for (`help [cmd]`, `--help`, `-h`, bare); returns its exit code, else undefined. */
export function helpRequested(positionals: string[], values: Values, adminHelp = ""): number | undefined {
  const [command, topic] = positionals;
  if (values.version || command === "version") {
    console.log(CLI_VERSION);
    return 0;
  }
  if (!command || command === "help" || values.help) {
    const about = command === "help" ? topic : command;
    const text = about ? commandHelp(about) : overview(adminHelp);
    if (text === undefined) throw new CliError(`unknown command ${about}\n${overview(adminHelp)}`);
    console.log(text);
    return 0;
  }
  return undefined;
}

/** Runs a client command (everything that talks to the REST API); returns the exit code. */
export async function runClient(positionals: string[], values: Values): Promise<number> {
  const [command, id] = positionals;
  const config = loadConfig();
  const api = new ApiClient(
    values.url ?? config.PATCHBAY_URL ?? `http://127.0.0.1:${config.PATCHBAY_API_PORT}`,
    values["api-key"] ?? config.PATCHBAY_API_KEY,
  );
  const out: Out = { json: values.json ?? false, print: (text) => console.log(text) };
  switch (command) {
    case "submit": {
      const job = await submit(api, submitFlags(values), values.quiet ? () => undefined : warn);
      if (!values.wait) {
        out.print(out.json ? JSON.stringify(job) : job.id);
        return 0;
      }
      // The id first, so a person (or a CI log) can follow or cancel the job while it runs.
      if (!out.json) out.print(job.id);
      else if (!values.quiet) warn(`job ${job.id} submitted`);
      return finish(api, job.id, values, out);
    }
    case "wait":
      return finish(api, requireId(command, id), values, out);
    case "logs":
      return jobLogs(api, requireId(command, id), out, values.follow ?? false);
    case "list":
      return listJobs(api, out, values);
    case "patch":
      return printPatch(api, requireId(command, id), out);
    case "apply": {
      const applied = await applyPatch(api, requireId(command, id), process.cwd(), values.check ?? false);
      if (out.json) out.print(JSON.stringify({ id, ...applied, applied: !values.check }));
      else {
        const verb = values.check ? "would apply" : "applied";
        out.print(`${verb} job ${id}'s patch on ${applied.baseCommit.slice(0, 12)}: ${applied.files.length} file(s)`);
        for (const file of applied.files) out.print(`  ${file}`);
      }
      return 0;
    }
    case "get":
      out.print(JSON.stringify(await api.get(requireId(command, id)), null, out.json ? undefined : 2));
      return 0;
    case "cancel":
      return cancelJob(api, requireId(command, id), out);
    case "follow-up": {
      const text = requireText(command, positionals.slice(2));
      const job = await followUpJob(api, requireId(command, id), text, values.model);
      if (!values.wait) {
        out.print(out.json ? JSON.stringify(job) : job.id);
        return 0;
      }
      if (!out.json) out.print(job.id);
      return finish(api, job.id, values, out);
    }
    case "review": {
      const failOn = failOnFrom(values["fail-on"]);
      const flags = { ...values, failOn: values["fail-on"] };
      const job = await submitReview(api, flags);
      if (!values.wait) {
        out.print(out.json ? JSON.stringify(job) : job.id);
        return 0;
      }
      if (!values.quiet) warn(`review job ${job.id} submitted`);
      return reportReview(await follow(api, job.id, values), failOn, out);
    }
    case "say":
      return sayToJob(api, requireId(command, id), requireText(command, positionals.slice(2)), out);
    case "schedules":
      return schedulesCommand(api, positionals[1], positionals[2], submitFlags(values), out);
    case "secrets":
      return secretsCommand(api, positionals[1], positionals[2], values.project, out.json);
    case "env":
      return environmentCommand(api, positionals.slice(1), values.project, out.json);
    case "docs":
      return docsCommand(api, positionals.slice(1), values, out);
    case "search":
      return searchCommand(api, positionals.slice(1), values, out);
    case "hooks":
      return hooksCommand(api, positionals.slice(1), values, out);
    case "notifications":
      return notificationsCommand(api, positionals.slice(1), out);
    case "candidates":
      return candidatesCommand(api, positionals.slice(1), out);
    case "eval":
      return evalCommand(api, positionals.slice(1), { ...values, maxTurns: values["max-turns"] }, out);
    default:
      throw new CliError(`unknown command ${command}\n(patchbay help for the commands)`);
  }
}

/** Makes a closed stdout (`patchbay logs … | head`) end the process quietly instead of with a stack trace. */
export function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
      process.exit(process.exitCode ?? 0);
    });
  }
}

/** The whole client CLI: help, then the command; errors print one line and exit 3. */
export async function clientMain(argv: string[]): Promise<void> {
  quietOnClosedPipe();
  try {
    const { values, positionals } = parseCli(argv);
    process.exitCode = helpRequested(positionals, values) ?? (await runClient(positionals, values));
  } catch (err) {
    console.error(`patchbay: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 3;
  }
}
