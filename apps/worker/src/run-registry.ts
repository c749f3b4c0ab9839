import type { AbortReason } from "./pipeline/abort.js";

/** The jobs this worker is running now, so a cancel or a shutdown can reach them. */
export class RunRegistry {
  private readonly runs = new Map<string, AbortController>();

  /** Registers a run and returns its signal. */
  start(jobId: string): AbortSignal {
    const controller = new AbortController();
    this.runs.set(jobId, controller);
    return controller.signal;
  }

  /** Forgets a finished run. */
  end(jobId: string): void {
    this.runs.delete(jobId);
  }

  /** Aborts one run; false when this worker is not running it. */
  abort(jobId: string, reason: AbortReason): boolean {
    const controller = this.runs.get(jobId);
    controller?.abort(reason);
    return controller !== undefined;
  }

  /** Ids of the running jobs. */
  ids(): string[] {
    return [...this.runs.keys()];
  }
}
