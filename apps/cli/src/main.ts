import { parseArgs } from "node:util";
import { loadConfig } from "@patchbay/config";
import { createDb } from "@patchbay/db";
import { ApiClient, CliError } from "./api-client.js";
import { applyPatch } from "./commands/apply.js";
import { type AdminFlags, keysCommand, projectsCommand } from "./commands/keys.js";
import { secretsCommand } from "./commands/secrets.js";
import { submit } from "./commands/submit.js";
import { waitForJob } from "./commands/wait.js";
import { exitCodeFor, formatSummary } from "./format.js";

const USAGE = `usage: patchbay <command> [options]
  submit --task TEXT [--repo URL] [--ref REF] [--commit SHA] [--model M] [--setup CMD]... [--test CMD] [--lint CMD]
         [--max-turns N] [--timeout SEC] [--wait] [--json]
  wait <job-id> [--json]     follow the job's events; exit 0 succeeded with passing checks, 1 failed, 2 error/cancelled
  patch <job-id>             print the job's patch
  apply <job-id> [--check]   apply the job's patch to this checkout (must be at the job's base commit)
  get <job-id>               print the job as JSON
  cancel <job-id>            cancel the job
  secrets set NAME --project P < value | secrets list --project P | secrets delete NAME --project P   (admin key)
admin (talks to the database, DATABASE_URL):
  keys create --project P --scopes jobs:read,jobs:write[,admin] [--name N] [--rate-limit PER_MIN]   prints the key once
  keys list [--project P] | keys revoke <prefix>
  projects list | projects limits <project> [--max-running N] [--max-queued N]
options: --url URL (default $PATCHBAY_URL or http://127.0.0.1:$PATCHBAY_API_PORT)
         --api-key KEY (default $PATCHBAY_API_KEY)`;

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
  wait: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

async function finish(api: ApiClient, id: string, json: boolean): Promise<number> {
  const job = await waitForJob(api, id, { event: (l) => console.log(l), json });
  console.log(json ? JSON.stringify(job) : formatSummary(job));
  return exitCodeFor(job);
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [command, id] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 3;
  }
  const config = loadConfig();
  if (command === "keys" || command === "projects") {
    const flags: AdminFlags = {
      ...values,
      rateLimit: values["rate-limit"],
      maxRunning: values["max-running"],
      maxQueued: values["max-queued"],
    };
    const db = createDb(config.DATABASE_URL, { max: 1 });
    try {
      const run = command === "keys" ? keysCommand : projectsCommand;
      return await run(db, positionals[1], positionals[2], flags);
    } finally {
      await db.$disconnect();
    }
  }
  const api = new ApiClient(
    values.url ?? config.PATCHBAY_URL ?? `http://127.0.0.1:${config.PATCHBAY_API_PORT}`,
    values["api-key"] ?? config.PATCHBAY_API_KEY,
  );
  if (command === "secrets") return secretsCommand(api, positionals[1], positionals[2], values.project);
  const needId = (): string => {
    if (!id) throw new CliError(`${command} needs a job id`);
    return id;
  };
  switch (command) {
    case "submit": {
      const job = await submit(api, { ...values, maxTurns: values["max-turns"] });
      console.log(values.json ? JSON.stringify(job) : job.id);
      return values.wait ? finish(api, job.id, values.json ?? false) : 0;
    }
    case "wait":
      return finish(api, needId(), values.json ?? false);
    case "apply": {
      const applied = await applyPatch(api, needId(), process.cwd(), values.check ?? false);
      const verb = values.check ? "would apply" : "applied";
      console.log(`${verb} job ${id}'s patch on ${applied.baseCommit.slice(0, 12)}: ${applied.files.length} file(s)`);
      for (const file of applied.files) console.log(`  ${file}`);
      return 0;
    }
    case "patch":
      process.stdout.write(await api.patch(needId()));
      return 0;
    case "get":
      console.log(JSON.stringify(await api.get(needId()), null, 2));
      return 0;
    case "cancel":
      await api.cancel(needId());
      return 0;
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
