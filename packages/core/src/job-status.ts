/** Where a job is in its life; terminal statuses never change again. */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled", "timed_out", "error"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<JobStatus> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "error",
]);

/** The worker's pipeline, in order. */
export const JOB_PHASES = ["provision", "setup", "baseline", "agent", "checks", "finalize"] as const;
export type JobPhase = (typeof JOB_PHASES)[number];

const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  // queued → running; or straight to a terminal state when cancelled or failing before start
  queued: ["running", "cancelled", "failed", "error"],
  // running → queued happens when a job is handed back; running → running when a crashed
  // worker's job is taken up again (a new attempt)
  running: ["queued", "running", "succeeded", "failed", "cancelled", "timed_out", "error"],
  succeeded: [],
  failed: [],
  cancelled: [],
  timed_out: [],
  error: [],
};

/** Whether a job may move from one status to another. */
export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Whether the status is final. */
export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Statuses from which `to` may be reached (for conditional updates in storage). */
export function statusesLeadingTo(to: JobStatus): JobStatus[] {
  return JOB_STATUSES.filter((s) => canTransition(s, to));
}
