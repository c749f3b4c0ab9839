/**
 * Pieces of `npm run bench -- e2e`: one job submitted over HTTP, timed submit → succeeded, and
 * its time split by phase from its own stored events.
 */
import type { EventData, JobEvent } from "@patchbay/core";
import { rawFetch, type Stack } from "../tests/e2e/stack.js";

const TERMINAL = new Set(["succeeded", "failed", "cancelled", "timed_out", "error"]);
/** The phases in the order a change job runs them. */
export const PHASES = ["provision", "setup", "baseline", "agent", "checks", "finalize"] as const;

/** One job's times (ms) and what it ran, from its events. */
export interface JobSample {
  jobId: string;
  /** POST /v1/jobs → the client saw `succeeded`. */
  totalMs: number;
  /** POST → the `succeeded` event's timestamp (no polling delay). */
  toSucceededMs: number;
  /** POST → the `running`/provision event (queue pick-up). */
  queueMs: number;
  /** Each phase: its status event → the next status event. */
  phases: Record<string, number>;
  /** Inside the phases: time in check commands and tools, as the events report them. */
  inside: { checksMs: number; toolsMs: number };
  /** The environment event's steps (ms since the setup phase started), when it has them. */
  environmentSteps: Record<string, number> | null;
  /** The check commands of the after stage (the peer runs the same). */
  checkCommands: string[];
}

/** Submits `spec` with the stack's key, waits for the end, and splits the time by phase. */
export async function runJob(stack: Stack, spec: Record<string, unknown>, timeoutMs = 600_000): Promise<JobSample> {
  const auth = { authorization: `Bearer ${stack.key}` };
  const submitted = Date.now();
  const res = await rawFetch(`${stack.api}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify(spec),
  });
  const job = (await res.json()) as { id: string };
  if (res.status !== 202) throw new Error(`submit answered ${res.status}: ${JSON.stringify(job)}`);
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = (await (await rawFetch(`${stack.api}/v1/jobs/${job.id}`, { headers: auth })).json()) as {
      status: string;
      error: unknown;
    };
    if (TERMINAL.has(got.status)) {
      if (got.status !== "succeeded")
        throw new Error(`job ${job.id} ended ${got.status}: ${JSON.stringify(got.error)}`);
      break;
    }
    if (Date.now() > end) throw new Error(`job ${job.id} still ${got.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  const totalMs = Date.now() - submitted;
  const text = await (await rawFetch(`${stack.api}/v1/jobs/${job.id}/events`, { headers: auth })).text();
  const events = text
    .split("\n\n")
    .map((block) => block.split("\n").find((l) => l.startsWith("data: ")))
    .filter((l): l is string => l !== undefined)
    .map((l) => JSON.parse(l.slice(6)) as JobEvent);
  return { jobId: job.id, totalMs, ...breakdown(job.id, submitted, events) };
}

/** Splits a finished job's events into phase durations and the time spent inside them. */
export function breakdown(jobId: string, submitted: number, events: JobEvent[]): Omit<JobSample, "jobId" | "totalMs"> {
  const statuses = events
    .filter((e) => e.type === "status")
    .map((e) => ({ ...(e.data as EventData["status"]), at: Date.parse(e.ts) }));
  const running = statuses.find((s) => s.status === "running");
  const done = statuses.find((s) => s.status === "succeeded");
  if (!running || !done) throw new Error(`job ${jobId}: no running or succeeded status event`);
  const marks = statuses.filter((s) => s.status === "running" || s.status === "succeeded");
  const phases: Record<string, number> = {};
  for (let i = 0; i < marks.length - 1; i++) {
    const phase = marks[i]?.phase ?? "provision";
    phases[phase] = (phases[phase] ?? 0) + (marks[i + 1]!.at - marks[i]!.at);
  }
  const checks = events.flatMap((e) => (e.type === "check" ? [e.data] : []));
  const tools = events.flatMap((e) => (e.type === "tool_result" ? [e.data] : []));
  const after = checks.filter((c) => c.stage === "after").map((c) => c.command);
  return {
    toSucceededMs: done.at - submitted,
    queueMs: running.at - submitted,
    phases,
    inside: {
      checksMs: checks.reduce((a, c) => a + c.durationMs, 0),
      toolsMs: tools.reduce((a, t) => a + (t.durationMs ?? 0), 0),
    },
    checkCommands: [...new Set(after)],
    environmentSteps: events.flatMap((e) => (e.type === "environment" ? [e.data.steps ?? null] : []))[0] ?? null,
  };
}
