/** Help texts: the overview (`patchbay help`) and one per command (`patchbay help <command>`). */

const GLOBAL_OPTIONS = `options: --url URL (default $PATCHBAY_URL or http://127.0.0.1:$PATCHBAY_API_PORT)
         --api-key KEY (default $PATCHBAY_API_KEY)
         --json     machine output: one JSON document on stdout (progress stays on stderr)
         --quiet    no progress while waiting
exit codes: 0 ok (a waited job succeeded with passing checks), 1 job failed (or its checks fail), 2 job
            error/cancelled/timed out, 3 usage, configuration or connection problem, 4 a waited job succeeded
            but no checks ran (none detected or configured, or none installed)`;

const SUBMIT_FLAGS = `--task TEXT [--repo URL] [--ref REF] [--commit SHA] [--upload] [--kind change|ask] [--model M]
         [--engine patchbay|codex] [--reasoning-effort minimal|low|medium|high|xhigh] [--attempts N] [--setup CMD]... [--test CMD]
         [--lint CMD] [--protect-tests] [--max-turns N] [--timeout SEC] [--max-tokens N] [--max-cost USD]
         [--cpus N] [--memory-mb MB] [--image IMAGE] [--allow HOST]... [--no-env-cache]
         [--branch B [--force] [--pr]] [--notify URL] [--metadata JSON] [--idempotency-key K] [--wait [--wait-timeout SEC]]`;

/** Per-command help, keyed by command name. */
export const COMMAND_HELP: Record<string, string> = {
  submit: `patchbay submit ${SUBMIT_FLAGS}
  Sends a job. Without --repo: this checkout's origin at HEAD; --upload sends a git bundle of HEAD
  (unpushed commits too). --branch B pushes the change to branch B; --pr also
  opens a pull request from it (the project secret GITHUB_TOKEN); --force replaces an existing branch B.
  --kind ask answers from the code without changing it. --protect-tests judges with the original tests
  (the agent's changes to them are dropped). --allow HOST lets setup reach HOST (on top of the project's
  allowlist); --no-env-cache runs setup afresh. --attempts N (2-8) runs N agent rollouts side by side and
  keeps the one the checks rank first (see \`patchbay candidates\`). --wait follows the job like \`patchbay wait\`.`,
  candidates: `patchbay candidates <job-id> [select <n>]
  A best-of-N job's attempts, best first: checks, tests fixed, diff size, stated confidence, cost; * marks the
  one the job holds. \`select <n>\` makes attempt n the job's patch and result instead (not once pushed).`,
  wait: `patchbay wait <job-id> [--wait-timeout SEC]
  Follows the job to its end; rides out API restarts and network blips (retries with backoff until
  the job ends or --wait-timeout passes, default: the job's own time limit plus 10 minutes).
  exit 0 succeeded with passing checks, 1 failed, 2 error/cancelled/timed out, 4 succeeded but no checks ran`,
  logs: "patchbay logs <job-id> [--follow]\n  The output of the job's commands (setup, checks, the agent's shell).",
  list: `patchbay list [--status S] [--repo URL] [--kind change|ask|review] [--since 24h|7d|DATE] [--limit N] [--all]
  The project's jobs, newest first; --all follows every page. --json: {data, nextCursor}.`,
  patch: "patchbay patch <job-id>\n  Prints the job's patch.",
  apply:
    "patchbay apply <job-id> [--check]\n  Applies the job's patch to this checkout (must be at the job's base commit).",
  get: "patchbay get <job-id>\n  Prints the job as JSON.",
  cancel: "patchbay cancel <job-id>\n  Cancels the job.",
  "follow-up": `patchbay follow-up <job-id> "<text>" [--model M] [--wait [--wait-timeout SEC]]
  Continues a finished (succeeded or failed) job: a new job starting from its final tree, with its
  conversation. Its patch is cumulative; \`GET /v1/jobs/<id>/patch?since=parent\` is this step's alone.`,
  review: `patchbay review --base REF [--head REF] [--repo URL] [--task FOCUS] [--model M] [--fail-on P0|P1|P2|P3] [--wait]
  Reviews the change from the merge base of --base to --head (default HEAD of the repository), read-only.
  With --wait prints the findings like a linter (file:line P1 title) and exits 1 when one is at or above
  --fail-on (0 otherwise; 1 failed, 2 error as for wait).`,
  say: `patchbay say <job-id> "<text>"
  Steers a running job: the model gets the text as a user message before its next call (a finished
  job takes a follow-up instead).`,
  schedules: `patchbay schedules create (--cron EXPR [--timezone TZ] | --every SEC) [--name N] --task … (submit flags)
patchbay schedules list | schedules pause|resume|delete <id>`,
  secrets: `patchbay secrets set NAME --project P < value | secrets list --project P | secrets delete NAME --project P
  (admin key). Operators: \`secrets rekey\` runs from the repository CLI (database access).`,
  env: `patchbay env show | env allow HOST... | env deny HOST... | env set < settings.json   --project P
patchbay env list | env rm [KEY]    --project P   the project's cached environments (changes: admin key)`,
  eval: `patchbay eval <instances.json> [--out DIR] [--concurrency N] [--model M] [--engine E] [--attempts N]
         [--timeout SEC] [--max-turns N]
patchbay eval compare <runA> <runB> [--out DIR]
  Runs each instance as a job with hidden tests (default 4 at once) and writes DIR/report.json and
  DIR/report.md (default DIR: eval-results/<file name>). A rerun with the same DIR skips finished
  instances. {id} in --model is replaced by the instance's id. compare: which instances flipped, rates, cost, time.`,
  docs: `patchbay docs add FILE... [--path NAME] | docs list | docs rm PATH|ID...   [--project P]
  The project's knowledge base (documents the agent searches). Default project: your key's.`,
  search: `patchbay search "<query>" [--limit K] [--mode any|all] [--project P]
  The best chunks of the knowledge base for the query, with path and lines.`,
  hooks: `patchbay hooks settings [--trigger-label LABEL] [--template JSON]
  The GitHub webhook settings: the issue label that makes a job and the JobSpec fields webhook jobs
  start from. With a flag it changes them (admin key).`,
  notifications: `patchbay notifications <job-id> [redeliver <delivery-id>]
  The job's notification deliveries with each attempt; redeliver sends one again (same delivery id).`,
  version: "patchbay version\n  Prints the CLI's version (the server it was built with).",
  help: "patchbay help [command]\n  This text, or one command's.",
};

/** The overview: every client command on a line or two. */
export function overview(adminCommands = ""): string {
  const lines = Object.values(COMMAND_HELP).map((text) => `  ${text.split("\n")[0]?.replace(/^patchbay /, "")}`);
  return [
    "usage: patchbay <command> [options]   (patchbay help <command> for details)",
    ...lines,
    adminCommands,
    GLOBAL_OPTIONS,
  ]
    .filter(Boolean)
    .join("\n");
}

/** The help for one command with the global options, or undefined for an unknown command. */
export function commandHelp(command: string): string | undefined {
  const text = COMMAND_HELP[command];
  return text === undefined ? undefined : `${text}\n${GLOBAL_OPTIONS}`;
}
