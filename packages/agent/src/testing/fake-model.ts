import type { TokenUsage } from "@patchbay/core";
import type { ResponseOutputItem } from "openai/resources/responses/responses";
import type { ModelAdapter, ModelRequest, ModelTurn } from "../types.js";

/** A ModelAdapter that answers from a list of turns and records every request. */
export class FakeModel implements ModelAdapter {
  readonly requests: ModelRequest[] = [];
  private readonly turns: ModelTurn[];

  constructor(turns: Array<ResponseOutputItem[] | ModelTurn>, usage: TokenUsage = DEFAULT_USAGE) {
    this.turns = turns.map((t) => (Array.isArray(t) ? { output: t, usage } : t));
  }

  /** The output items of turn `index` (0-based), as answered. */
  turnOutput(index: number): ResponseOutputItem[] | undefined {
    return this.turns[index]?.output;
  }

  async nextTurn(request: ModelRequest): Promise<ModelTurn> {
    this.requests.push(request);
    const turn = this.turns[this.requests.length - 1];
    if (turn === undefined) throw new Error(`FakeModel has no turn ${this.requests.length}`);
    return turn;
  }
}

const DEFAULT_USAGE: TokenUsage = { inputTokens: 100, cachedInputTokens: 40, outputTokens: 20, reasoningTokens: 5 };
