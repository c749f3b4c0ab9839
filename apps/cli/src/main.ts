import { parseArgs } from "node:util";
import { loadConfig } from "@patchbay/config";
import { ApiClient, CliError } from "./api-client.js";
import { submit } from "./commands/submit.js";
import { waitForJob } from "./commands/wait.js";
import { exitCodeFor, formatSummary } from "./format.js";

const USAGE = `usage: patchbay <command> [options]
  submit --task TEXT [--repo URL] [--ref REF] [--commit SHA] [--model M] [--setup CMD]... [--test CMD] [--lint CMD]
         [--max-turns N] [--timeout SEC] [--wait] [--json]
  wait <job-id> [--json]     follow the job's events; exit 0 succeeded with passing checks, 1 failed, 2 error/cancelled
  patch <job-id>             print the job's patch
  get <job-id>               print the job as JSON
  cancel <job-id>            cancel the job
options: --url URL (default $PATCHBAY_URL or http://127.0.0.1:$PATCHBAY_API_PORT)`;

const OPTIONS = {
  url: { type: "string" },
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
  const api = new ApiClient(values.url ?? config.PATCHBAY_URL ?? `http://127.0.0.1:${config.PATCHBAY_API_PORT}`);
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
