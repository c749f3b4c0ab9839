import type { EventSink, TokenUsage, Workspace } from "@patchbay/core";
import type { ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";

/** Reasoning effort levels Patchbay passes through to the model. */
export type ReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh";

/** Where the model lives and how patient to be with it. */
export interface ModelClientOptions {
  /** An OpenAI-compatible base URL ending in /v1; defaults to https://api.openai.com/v1. */
  baseURL?: string;
  apiKey: string;
  /** Per request, including the wait for the whole response (the SDK's `timeout`). */
  timeoutMs?: number;
  /** Retries of connection failures, 408/409/429 and 5xx, with the SDK's backoff. */
  maxRetries?: number;
}

/** Everything one agent run needs. */
export interface AgentRunOptions {
  model: string;
  reasoningEffort?: ReasoningEffort;
  client: ModelClientOptions;
  workspace: Workspace;
  task: string;
  limits: {
    /** Model calls allowed; reaching it throws budget_exceeded with details.limit "maxTurns". */
    maxTurns: number;
    /** Input plus output tokens over all turns; checked before each model call. */
    maxTokens?: number;
    /** Epoch ms; checked before each model call and bounds model calls and commands. */
    deadline?: number;
  };
  emit: EventSink;
  signal?: AbortSignal;
  /** Per shell command unless the call sets its own timeout_ms; default 120000. */
  commandTimeoutMs?: number;
  /** Lets the model return several tool calls in one turn (run in order); default false. */
  parallelToolCalls?: boolean;
  /** Replaces the Responses adapter built from `client` (other protocols, tests). */
  adapter?: ModelAdapter;
}

/** How a run ended when it did not throw. */
export interface AgentOutcome {
  /** The model's last message: what it changed and why. */
  summary: string | null;
  usage: TokenUsage;
  /** Model calls made. */
  turns: number;
  /** Always "completed" for now: reaching maxTurns throws budget_exceeded (the type keeps room). */
  stopReason: "completed" | "max_turns";
}

/** One model answer, whatever protocol produced it, as Responses output items. */
export interface ModelTurn {
  output: ResponseOutputItem[];
  usage: TokenUsage;
  /** Why the response stopped early (e.g. "max_output_tokens"), when it did. */
  incompleteReason?: string;
}

/** One model call: the same instructions every turn, and the whole transcript so far. */
export interface ModelRequest {
  instructions: string;
  history: ResponseInputItem[];
  signal: AbortSignal;
}

/**
 * A model protocol. The history is the stateless transcript in Responses item form; an adapter
 * for another protocol (Chat Completions) translates it both ways.
 */
export interface ModelAdapter {
  nextTurn(request: ModelRequest): Promise<ModelTurn>;
}
