import type { ToolOutcome } from "./tools/context.js";

/** The same call with the same result this many times in a row draws the warning. */
export const REPEAT_LIMIT = 3;
/** Turns in a row with unparseable tool arguments before the run stops. */
export const MALFORMED_LIMIT = 3;

/** What the loop does after a turn's tool calls. */
export type LoopVerdict =
  | { action: "go_on" }
  | { action: "warn"; message: string }
  | { action: "stop"; message: string };

/**
 * Notices a model going round in circles: the same call with the same result REPEAT_LIMIT times
 * in a row gets one warning, and the next such streak stops the run; MALFORMED_LIMIT turns in a
 * row with arguments that do not parse stop it too.
 */
export class LoopGuard {
  private last: string | null = null;
  private streak = 0;
  private warned = false;
  private malformedTurns = 0;

  /** Judges one turn's tool outcomes (in order). */
  afterTurn(outcomes: readonly ToolOutcome[]): LoopVerdict {
    this.malformedTurns = outcomes.some((o) => o.malformed) ? this.malformedTurns + 1 : 0;
    if (this.malformedTurns >= MALFORMED_LIMIT) {
      return {
        action: "stop",
        message: `The model sent tool arguments that do not parse in ${MALFORMED_LIMIT} turns in a row.`,
      };
    }
    let longest = 0;
    for (const outcome of outcomes) {
      this.streak = outcome.fingerprint === this.last ? this.streak + 1 : 1;
      this.last = outcome.fingerprint;
      longest = Math.max(longest, this.streak);
    }
    if (longest < REPEAT_LIMIT) return { action: "go_on" };
    if (this.warned) {
      return {
        action: "stop",
        message: `The model repeated the same tool call with the same result after a warning (${longest} times in a row).`,
      };
    }
    this.warned = true;
    return {
      action: "warn",
      message: `Patchbay: you made the same tool call with the same result ${longest} times in a row. Repeating it will not change the result. Try something different, or finish with a summary if you are done or stuck. Another run of identical calls ends the job.`,
    };
  }
}
