import type { JobEvent, TokenUsage } from "@patchbay/core";

/** One replayable model turn: the items the model answered and the usage it reported. */
export interface TrajectoryTurn {
  output: Array<Record<string, unknown>>;
  usage: {
    input_tokens: number;
    input_tokens_details: { cached_tokens: number };
    output_tokens: number;
    output_tokens_details: { reasoning_tokens: number };
  };
  note: string;
}

/** A job's transcript in the scripted model server's script format (`{turns: [...]}`). */
export interface Trajectory {
  description: string;
  turns: TrajectoryTurn[];
}

type ModelEvent = Extract<JobEvent, { type: "model" }>;

/**
 * Turns a job's stored `model` events into a script the scripted model server replays: the same
 * output items, turn by turn, with the usage the model reported. When the job ran more than once
 * (a worker died), the last attempt is used. Turns recorded without their output items (events of
 * an older version) cannot be replayed and make this throw.
 */
export function trajectoryFromEvents(events: readonly JobEvent[], description = "replayed trajectory"): Trajectory {
  const models = events.filter((e): e is ModelEvent => e.type === "model").sort((a, b) => a.seq - b.seq);
  const lastStart = models.findLastIndex((e) => e.data.turn === 1);
  const attempt = lastStart < 0 ? models : models.slice(lastStart);
  const turns = attempt.map((event) => {
    const { output, turn, usage, model } = event.data;
    if (!Array.isArray(output)) {
      throw new Error(`model event ${event.seq} (turn ${turn}) has no output items recorded; it cannot be replayed`);
    }
    return {
      output: output as Array<Record<string, unknown>>,
      usage: scriptUsage(usage),
      note: `turn ${turn} of ${model} (event ${event.seq})`,
    };
  });
  return { description, turns };
}

function scriptUsage(usage: TokenUsage): TrajectoryTurn["usage"] {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}
