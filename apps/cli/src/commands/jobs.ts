import type { JobEvent } from "@patchbay/core";
import { type ApiClient, CliError, type JobView } from "../api-client.js";

/** A job as `GET /v1/jobs` lists it. */
interface ListedJob extends JobView {
  createdAt: string;
  finishedAt: string | null;
  spec: { task: string; repo: { url: string } };
}

/** Output of the read commands: stdout, JSON for machines when `json`. */
export interface Out {
  json: boolean;
  print(text: string): void;
}

/** Filters and paging of `patchbay list`. */
export interface ListFlags {
  status?: string;
  limit?: string;
  repo?: string;
  kind?: string;
  since?: string;
  all?: boolean;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: a duration back from now (`90m`, `24h`, `7d`, `2w`) or a date; as an ISO time. */
export function sinceFrom(text: string, now = Date.now()): string {
  const ago = /^(\d+)([mhdw])$/.exec(text.trim());
  const at = ago ? new Date(now - Number(ago[1]) * (UNIT_MS[ago[2] ?? "d"] ?? 0)) : new Date(text);
  if (Number.isNaN(at.getTime()))
    throw new CliError("--since must be a duration like 24h or 7d, or a date like 2026-12-01");
  return at.toISOString();
}

/** `patchbay list [--status S] [--repo URL] [--kind K] [--since T] [--limit N] [--all]`: newest first. */
export async function listJobs(api: ApiClient, out: Out, flags: ListFlags): Promise<number> {
  const query = new URLSearchParams({
    limit: flags.limit ?? (flags.all ? "100" : "20"),
    ...(flags.status ? { status: flags.status } : {}),
    ...(flags.repo ? { repo: flags.repo } : {}),
    ...(flags.kind ? { kind: flags.kind } : {}),
    ...(flags.since ? { since: sinceFrom(flags.since) } : {}),
  });
  type Page = { data: ListedJob[]; nextCursor: string | null };
  let page = (await api.send("GET", `/v1/jobs?${query}`)) as Page;
  const data = [...page.data];
  // --all follows the cursor to the last page; the answer keeps the one shape of a page.
  while (flags.all && page.nextCursor) {
    query.set("cursor", page.nextCursor);
    page = (await api.send("GET", `/v1/jobs?${query}`)) as Page;
    data.push(...page.data);
  }
  if (out.json) {
    out.print(JSON.stringify({ data, nextCursor: page.nextCursor }));
    return 0;
  }
  for (const j of data) {
    const task = j.spec.task.replace(/\s+/g, " ").slice(0, 60);
    out.print([j.id, j.status.padEnd(9), (j.phase ?? "-").padEnd(9), j.createdAt, task].join("  "));
  }
  if (data.length === 0) out.print("no jobs");
  else if (page.nextCursor) process.stderr.write("(more jobs: --all, or a larger --limit)\n");
  return 0;
}

/**
 * `patchbay logs <id> [--follow]`: the output of the job's commands (setup, checks, the agent's
 * shell). Without --follow it prints what is there and stops once the stream goes quiet.
 */
export async function jobLogs(api: ApiClient, id: string, out: Out, follow: boolean): Promise<number> {
  const job = await api.get(id);
  const finished = ["succeeded", "failed", "cancelled", "timed_out", "error"].includes(job.status);
  const controller = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (follow || finished) return;
    clearTimeout(idle);
    idle = setTimeout(() => controller.abort(), 1000);
  };
  arm();
  try {
    for await (const e of api.events(id, 0, controller.signal)) {
      arm();
      printLog(e, out);
    }
  } catch (err) {
    if (!controller.signal.aborted) throw err;
  } finally {
    clearTimeout(idle);
  }
  return 0;
}

function printLog(e: JobEvent, out: Out): void {
  if (e.type !== "log") return;
  if (out.json) out.print(JSON.stringify(e));
  else process[e.data.stream === "stderr" ? "stderr" : "stdout"].write(e.data.text);
}

/** `patchbay cancel <id>`: asks for the cancel; prints the job's status after it. */
export async function cancelJob(api: ApiClient, id: string, out: Out): Promise<number> {
  const job = await api.cancel(id);
  out.print(
    out.json ? JSON.stringify(job) : `job ${job.id}: ${job.status}${job.status === "running" ? " (stopping)" : ""}`,
  );
  return 0;
}

/** `patchbay patch <id>`: the patch as a diff (or `{"id", "patch"}` with --json). */
export async function printPatch(api: ApiClient, id: string, out: Out): Promise<number> {
  const patch = await api.patch(id);
  if (out.json) out.print(JSON.stringify({ id, patch }));
  else process.stdout.write(patch);
  return 0;
}

/** Throws the CLI's usage error for a missing job id. */
export function requireId(command: string, id: string | undefined): string {
  if (!id) throw new CliError(`${command} needs a job id`);
  return id;
}
