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

/** `patchbay list [--status S] [--limit N]`: the project's jobs, newest first. */
export async function listJobs(api: ApiClient, out: Out, flags: { status?: string; limit?: string }): Promise<number> {
  const query = new URLSearchParams({ limit: flags.limit ?? "20", ...(flags.status ? { status: flags.status } : {}) });
  const page = (await api.send("GET", `/v1/jobs?${query}`)) as { data: ListedJob[]; nextCursor: string | null };
  if (out.json) {
    out.print(JSON.stringify(page));
    return 0;
  }
  for (const j of page.data) {
    const task = j.spec.task.replace(/\s+/g, " ").slice(0, 60);
    out.print([j.id, j.status.padEnd(9), (j.phase ?? "-").padEnd(9), j.createdAt, task].join("  "));
  }
  if (page.data.length === 0) out.print("no jobs");
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
