import { addUsage, type EventSink, type JobResult, type NewEvent, type TokenUsage, ZERO_USAGE } from "@patchbay/core";

/**
 * What a job's model calls cost, counted from the `model` events as they are emitted, so a job
 * that is cancelled, times out or fails mid-loop still reports every call it made.
 */
export class JobAccounting {
  private usage = ZERO_USAGE;
  private turns = 0;
  private costUsd: number | null = null;

  /** Wraps a sink: every event passes through, model turns are counted. */
  wrap(sink: EventSink): EventSink {
    return (event: NewEvent) => {
      if (event.type === "model") this.count(event.data);
      sink(event);
    };
  }

  private count(turn: { usage: TokenUsage; costUsd?: number }): void {
    this.usage = addUsage(this.usage, turn.usage);
    this.turns++;
    // Each turn carries the run's cost so far.
    if (turn.costUsd !== undefined) this.costUsd = turn.costUsd;
  }

  /** The usage of every model call so far. */
  total(): JobResult["usage"] {
    return { ...this.usage, turns: this.turns, estimatedCostUsd: this.costUsd };
  }
}
