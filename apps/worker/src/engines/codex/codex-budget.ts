import { countedTokens, estimateCost, findPrice, type ModelPrice } from "@patchbay/agent";
import { addUsage, PatchbayError, type TokenUsage, ZERO_USAGE } from "@patchbay/core";

export interface CodexLimits {
  maxTurns: number;
  maxTokens?: number;
  maxCostUsd?: number;
}

type Limit = "maxTurns" | "maxTokens" | "maxCostUsd" | "deadline";

/**
 * The job's limits over Codex's model calls, kept where every call passes (the model proxy): a
 * call past a limit is refused before it leaves, and the run is stopped as budget_exceeded.
 */
export class CodexBudget {
  usage: TokenUsage = ZERO_USAGE;
  turns = 0;
  /** The limit that stopped the run, once one did. */
  reached: Limit | null = null;
  private readonly price: ModelPrice | null;

  constructor(
    private readonly limits: CodexLimits,
    model: string,
    prices: Readonly<Record<string, ModelPrice>>,
  ) {
    this.price = findPrice(prices, model);
    if (limits.maxCostUsd !== undefined && this.price === null) {
      throw new PatchbayError(
        "invalid_request",
        `limits.maxCostUsd cannot be enforced: no price is known for model ${model}. Add it to PATCHBAY_MODEL_PRICES.`,
      );
    }
  }

  /** Null when another model call may go out; otherwise why not (and the run is marked as stopped). */
  admit(): string | null {
    const { maxTurns, maxTokens, maxCostUsd } = this.limits;
    if (this.turns >= maxTurns) return this.stop("maxTurns", `the job's limit of ${maxTurns} model turns is reached`);
    const tokens = countedTokens(this.usage);
    if (maxTokens !== undefined && tokens >= maxTokens) {
      return this.stop("maxTokens", `the job's limit of ${maxTokens} tokens is reached (${tokens} used)`);
    }
    const cost = this.costUsd();
    if (maxCostUsd !== undefined && cost !== null && cost >= maxCostUsd) {
      return this.stop("maxCostUsd", `the job's cost limit of ${maxCostUsd} USD is reached (${cost} USD)`);
    }
    return null;
  }

  /** Counts one finished model call. */
  record(usage: TokenUsage): void {
    this.turns += 1;
    this.usage = addUsage(this.usage, usage);
  }

  /** Estimated cost so far, when the model's price is known. */
  costUsd(): number | null {
    return this.price === null ? null : estimateCost(this.usage, this.price);
  }

  /** The error for a run stopped by a limit, shaped like the agent loop's. */
  exceeded(limit: Limit, message: string): PatchbayError {
    const details = { limit, usage: this.usage, turns: this.turns, estimatedCostUsd: this.costUsd() };
    return new PatchbayError("budget_exceeded", message, { details });
  }

  private stop(limit: Limit, message: string): string {
    this.reached ??= limit;
    return message;
  }
}
