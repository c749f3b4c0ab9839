import { parseArgs } from "node:util";
import { loadConfig } from "@patchbay/config";
import { createDb } from "@patchbay/db";
import { ApiClient, CliError } from "./api-client.js";
import { applyPatch } from "./commands/apply.js";
import { environmentCommand } from "./commands/environment.js";
import { cancelJob, jobLogs, listJobs, type Out, printPatch, requireId } from "./commands/jobs.js";
import { type AdminFlags, keysCommand, projectsCommand, rekeyCommand } from "./commands/keys.js";
import { schedulesCommand } from "./commands/schedules.js";
import { secretsCommand } from "./commands/secrets.js";
import { submit } from "./commands/submit.js";
import { waitForJob } from "./commands/wait.js";
import { exitCodeFor, formatSummary } from "./format.js";
import { progressFor } from "./progress.js";

const USAGE = `usage: patchbay <command> [options]
  submit --task TEXT [--repo URL] [--ref REF] [--commit SHA] [--upload] [--model M] [--setup CMD]... [--test CMD]
         [--lint CMD] [--max-turns N] [--timeout SEC] [--branch B] [--notify URL] [--metadata JSON]
         [--idempotency-key K] [--wait]
         without --repo: this checkout's origin at HEAD; --upload sends a git bundle of HEAD (unpushed commits too)
  wait <job-id>              follow the job; exit 0 succeeded with passing checks, 1 failed, 2 error/cancelled/timed out,
                             4 succeeded but no checks ran
  logs <job-id> [--follow]   the output of the job's commands
  list [--status S] [--limit N]
  patch <job-id>             print the job's patch
  apply <job-id> [--check]   apply the job's patch to this checkout (must be at the job's base commit)
  get <job-id>               print the job as JSON
  cancel <job-id>            cancel the job
  schedules create (--cron EXPR [--timezone TZ] | --every SEC) [--name N] --task … (submit flags)
  schedules list | schedules pause|resume|delete <id>
  secrets set NAME --project P < value | secrets list --project P | secrets delete NAME --project P   (admin key)
  env show | env allow HOST... | env deny HOST... | env set < settings.json   --project P   (changes: admin key)
  env list | env rm [KEY]    --project P   the project's cached environments
admin (talks to the database, DATABASE_URL):
  keys create --project P --scopes jobs:read,jobs:write[,admin] [--name N] [--rate-limit PER_MIN]   prints the key once
  keys list [--project P] | keys revoke <prefix>
  projects list | projects limits <project> [--max-running N] [--max-queued N]
  secrets rekey [--project P] after a key rotation (PATCHBAY_SECRETS_KEY new, PATCHBAY_SECRETS_KEY_PREVIOUS old):
                             seal every stored secret with the new key
options: --url URL (default $PATCHBAY_URL or http://127.0.0.1:$PATCHBAY_API_PORT)
         --api-key KEY (default $PATCHBAY_API_KEY)
         --json     machine output: one JSON document on stdout (progress stays on stderr)
         --quiet    no progress while waiting
exit codes: 0 ok (a waited job succeeded with passing checks), 1 job failed (or its checks fail), 2 job
            error/cancelled/timed out, 3 usage, configuration or connection problem, 4 a waited job succeeded
            but no checks ran (none detected or configured, or none installed)`;

const OPTIONS = {
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
  task: { type: "string" },
  model: { type: "string" },
  setup: { type: "string", multiple: true },
  test: { type: "string" },
  lint: { type: "string" },
  "max-turns": { type: "string" },
  timeout: { type: "string" },
  branch: { type: "string" },
  notify: { type: "string" },
  metadata: { type: "string" },
  "idempotency-key": { type: "string" },
  upload: { type: "boolean" },
  wait: { type: "boolean" },
  follow: { type: "boolean", short: "f" },
  status: { type: "string" },
  limit: { type: "string" },
  cron: { type: "string" },
  every: { type: "string" },
  timezone: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

const warn = (line: string) => process.stderr.write(`${line}\n`);

/** Follows the job to its end; prints the summary (or the job as JSON) and returns the exit code. */
async function finish(api: ApiClient, id: string, values: Values, out: Out): Promise<number> {
  const job = await waitForJob(api, id, progressFor(id, { quiet: values.quiet ?? false }));
  out.print(out.json ? JSON.stringify(job) : formatSummary(job));
  return exitCodeFor(job);
}

async function admin(command: string, positionals: string[], values: Values): Promise<number> {
  const flags: AdminFlags = {
    ...values,
    rateLimit: values["rate-limit"],
    maxRunning: values["max-running"],
    maxQueued: values["max-queued"],
  };
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL, { max: 1 });
  try {
    if (command === "secrets") return await rekeyCommand(db, config, flags);
    const run = command === "keys" ? keysCommand : projectsCommand;
    return await run(db, positionals[1], positionals[2], flags);
  } finally {
    await db.$disconnect();
  }
}

function submitFlags(values: Values) {
  return {
    ...values,
    maxTurns: values["max-turns"],
    idempotencyKey: values["idempotency-key"],
  };
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, id] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 3;
  }
  const isRekey = command === "secrets" && positionals[1] === "rekey";
  if (command === "keys" || command === "projects" || isRekey) return admin(command, positionals, values);
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
    case "schedules":
      return schedulesCommand(api, positionals[1], positionals[2], submitFlags(values), out);
    case "secrets":
      return secretsCommand(api, positionals[1], positionals[2], values.project, out.json);
    case "env":
      return environmentCommand(api, positionals.slice(1), values.project, out.json);
    default:
      throw new CliError(`unknown command ${command}\n${USAGE}`);
  }
}

try {
  process.exitCode = await run(process.argv.slice(2));
} catch (err) {
  console.error(`patchbay: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 3;
}
