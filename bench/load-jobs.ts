/** Pieces of `npm run bench -- load`: many queued jobs through one worker, timed from the jobs' rows. */
import type { ModelScript } from "@patchbay/testkit";
import { type JobRow, type LoadStack, load, MemorySampler, percentiles } from "./load-stack.js";

const done = { type: "message", role: "assistant", content: [{ type: "output_text", text: "done" }] };

/** The trivial job: one command that writes a file, then "done". */
export const TRIVIAL: ModelScript = {
  turns: [{ output: [{ type: "shell_call", action: { commands: ["echo ok > note.txt"] } }] }, { output: [done] }],
};

/**
 * A job of `turns` model turns, each running one short command (about five stored events per turn).
 * Each turn's command differs: the agent's loop guard ends a job whose model repeats the same call
 * with the same result (agent_loop), as a real model stuck in a loop would.
 */
export function manyTurns(turns: number): ModelScript {
  const step = (i: number) => ({ output: [{ type: "shell_call", action: { commands: [`echo turn ${i}`] } }] });
  return { turns: [...Array.from({ length: turns }, (_, i) => step(i + 1)), { output: [done] }] };
}

/**
 * Setup commands printing `mb` MB to stdout, at most 7 MB each: a command's live output stops at
 * 8 MiB, and an agent's command logs far less, so setup is where a job prints this much.
 */
export function bigOutputSetup(mb: number): string[] {
  const commands: string[] = [];
  for (let left = mb; left > 0; left -= 7) {
    const bytes = Math.min(7, left) * 1_000_000;
    // 100-byte lines: what a noisy build prints.
    commands.push(`head -c ${bytes} /dev/zero | tr '\\0' x | fold -w 99`);
  }
  return commands;
}

/** The spec of a job on `repoUrl` played by `script`. */
export function spec(repoUrl: string, script: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    repo: { url: repoUrl },
    task: `bench ${script}`,
    model: `script:${script}`,
    checks: { test: "true" },
    ...extra,
  };
}

/** Queue wait and run time of finished jobs, and their throughput. */
export interface JobsFigures {
  jobs: number;
  succeeded: number;
  failures: Array<{ id: string; status: string; code: string | null }>;
  /** First submit → last finish. */
  wallMs: number;
  jobsPerMinute: number;
  queueWaitMs: ReturnType<typeof percentiles>;
  runMs: ReturnType<typeof percentiles>;
}

/** Figures of a set of finished jobs. */
export function jobsFigures(rows: JobRow[]): JobsFigures {
  const t = (s: string | null) => (s ? Date.parse(s) : Number.NaN);
  const first = Math.min(...rows.map((r) => t(r.createdAt)));
  const last = Math.max(...rows.map((r) => t(r.finishedAt)));
  const started = rows.filter((r) => r.startedAt && r.finishedAt);
  const wallMs = last - first;
  return {
    jobs: rows.length,
    succeeded: rows.filter((r) => r.status === "succeeded").length,
    failures: rows
      .filter((r) => r.status !== "succeeded")
      .map((r) => ({ id: r.id, status: r.status, code: r.error?.code ?? null })),
    wallMs,
    jobsPerMinute: Math.round((rows.length / wallMs) * 60_000 * 10) / 10,
    queueWaitMs: percentiles(started.map((r) => t(r.startedAt) - t(r.createdAt))),
    runMs: percentiles(started.map((r) => t(r.finishedAt) - t(r.startedAt))),
  };
}

/** Runs `count` jobs of `script` submitted at once; the worker's memory sampled each second. */
export async function queuedJobs(stack: LoadStack, repoUrl: string, script: string, count: number) {
  const loadBefore = load();
  const memory = new MemorySampler(stack.workerPid);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await stack.submit(spec(repoUrl, script)));
  const rows = await stack.waitAll(ids, Math.max(600_000, count * 60_000));
  const worker = memory.stop();
  // One point per ~2% of the run keeps the JSON small and the curve visible.
  const every = Math.max(1, Math.floor(memory.samples.length / 50));
  const rssSeries = memory.samples.filter((_, i) => i % every === 0);
  return { ...jobsFigures(rows), workerRssMb: { ...worker, series: rssSeries }, loadBefore, loadAfter: load() };
}
