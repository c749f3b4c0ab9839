import type { AbortReason } from "./pipeline/abort.js";

/**
 * The jobs this worker is running now, so a cancel or a shutdown can reach them. One job can
 * have two runs here for a moment: BullMQ may hand a job whose lock lapsed (Redis was away) back
 * to the same worker, and the older run lives until its heartbeat finds itself superseded.
 */
export class RunRegistry {
  private readonly runs = new Map<string, Set<AbortController>>();

  /** Registers a run of a job and returns its controller. */
  start(jobId: string): AbortController {
    const controller = new AbortController();
    const runs = this.runs.get(jobId) ?? new Set();
    runs.add(controller);
    this.runs.set(jobId, runs);
    return controller;
  }

  /** Forgets a finished run (only that one: a newer run of the same job stays). */
  end(jobId: string, controller: AbortController): void {
    const runs = this.runs.get(jobId);
    runs?.delete(controller);
    if (runs?.size === 0) this.runs.delete(jobId);
  }

  /** Aborts every run of a job; false when this worker is not running it. */
  abort(jobId: string, reason: AbortReason): boolean {
    const runs = this.runs.get(jobId);
    for (const controller of runs ?? []) controller.abort(reason);
    return runs !== undefined;
  }

  /** Ids of the running jobs. */
  ids(): string[] {
    return [...this.runs.keys()];
  }
}
