import {
  addUsage,
  type EventSink,
  eventCandidate,
  type JobResult,
  type NewEvent,
  type TokenUsage,
  ZERO_USAGE,
} from "@patchbay/core";

/**
 * What a job's model calls cost, counted from the `model` events as they are emitted, so a job
 * that is cancelled, times out or fails mid-loop still reports every call it made.
 */
export class JobAccounting {
  private usage = ZERO_USAGE;
  private turns = 0;
  /** The cost so far of each agent run (a best-of-N job's attempts run side by side). */
  private readonly costByRun = new Map<number, number>();

  /** Wraps a sink: every event passes through, model turns are counted. */
  wrap(sink: EventSink): EventSink {
    return (event: NewEvent) => {
      if (event.type === "model") this.count(event.data, eventCandidate(event) ?? 0);
      sink(event);
    };
  }

  private count(turn: { usage: TokenUsage; costUsd?: number }, run: number): void {
    this.usage = addUsage(this.usage, turn.usage);
    this.turns++;
    // Each turn carries its run's cost so far.
    if (turn.costUsd !== undefined) this.costByRun.set(run, turn.costUsd);
  }

  /** The usage of every model call so far. */
  total(): JobResult["usage"] {
    const costs = [...this.costByRun.values()];
    const estimatedCostUsd = costs.length ? costs.reduce((a, b) => a + b, 0) : null;
    return { ...this.usage, turns: this.turns, estimatedCostUsd };
  }
}
