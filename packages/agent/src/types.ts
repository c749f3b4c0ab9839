import type { EventSink, TokenUsage, Workspace } from "@patchbay/core";
import type { FunctionTool, ResponseInputItem, ResponseOutputItem } from "openai/resources/responses/responses";
import type { SearchDocs } from "./tools/search-docs.js";

/** Reasoning effort levels Patchbay passes through to the model. */
export type ReasoningEffort = "minimal" | "low" | "medium" | "high" | "xhigh";

/** Where the model lives and how patient to be with it. */
export interface ModelClientOptions {
  /** An OpenAI-compatible base URL ending in /v1; defaults to https://api.openai.com/v1. */
  baseURL?: string;
  apiKey: string;
  /** Per request, including the wait for the whole response (the SDK's `timeout`). */
  timeoutMs?: number;
  /**
   * Retries of 429, 5xx, timeouts and dropped connections, by Patchbay's own loop (each one is a
   * log event); the SDK itself never retries. Default 2.
   */
  maxRetries?: number;
  /** First backoff step; doubles per retry, with jitter. Default 1000. */
  retryBaseDelayMs?: number;
  /** No backoff (or Retry-After) longer than this; a longer Retry-After gives up. Default 60000. */
  retryMaxDelayMs?: number;
  /** Sent with every model request (a best-of-N attempt's X-Patchbay-Candidate). */
  headers?: Record<string, string>;
}

/** Which wire protocol model calls use. */
export type ModelApi = "responses" | "chat";

/** USD per million tokens. */
export interface ModelPrice {
  input: number;
  cachedInput: number;
  output: number;
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
    /** Estimated USD over all turns (needs the model's price); checked before each model call. */
    maxCostUsd?: number;
  };
  /** Protocol when the model name has no `chat:` / `responses:` prefix; default "responses". */
  api?: ModelApi;
  /** Price table: exact model name or longest prefix. Without a price the cost is null. */
  prices?: Readonly<Record<string, ModelPrice>>;
  /** Runs the job's test and lint commands; offered to the model as `run_checks` when given. */
  runChecks?: () => Promise<string>;
  /** Searches the project's knowledge base; offered to the model as `search_docs` when given. */
  searchDocs?: SearchDocs;
  /** Offers `update_plan` (each call a `plan` event) and asks for a plan on multi-step tasks. */
  updatePlan?: boolean;
  /** Function tools the caller runs (a review's `report_findings`), offered beside Patchbay's own. */
  functions?: AgentFunctionTool[];
  emit: EventSink;
  signal?: AbortSignal;
  /** Per shell command unless the call sets its own timeout_ms; default 120000. */
  commandTimeoutMs?: number;
  /** Lets the model return several tool calls in one turn (run in order); default false. */
  parallelToolCalls?: boolean;
  /** Replaces the Responses adapter built from `client` (other protocols, tests). */
  adapter?: ModelAdapter;
  /**
   * Takes secrets out of text: applied to every tool output (command output before it is cut
   * to size), to the instructions built from the repository and to the task, before the model
   * or an event sees them. The worker passes the job's secret redaction.
   */
  redact?: (text: string) => string;
  /**
   * Steering messages sent while the run goes on, drained before each model call: each one goes
   * into the history as a user message and is acknowledged with a `user_message` event
   * (`delivered: true`). A failing call is logged and asked again before the next model call.
   */
  pendingMessages?: () => Promise<PendingMessage[]>;
  /**
   * An earlier conversation this run continues (a follow-up): Responses input items, reasoning
   * with its encrypted content included, sent before the task, which becomes the newest message.
   */
  priorConversation?: ResponseInputItem[];
}

/** A function tool the caller runs; a reply with `malformed: true` tells the model its arguments did not fit. */
export interface AgentFunctionTool {
  definition: FunctionTool;
  run(argumentsText: string): Promise<{ output: string; ok: boolean; malformed?: boolean }>;
}

/** A steering message waiting for the next model call. */
export interface PendingMessage {
  id: string;
  text: string;
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
  /** Estimated USD of all turns; null when the model has no price. */
  estimatedCostUsd: number | null;
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
  /** Function tools offered besides shell and apply_patch (run_checks), Responses shape. */
  functionTools: FunctionTool[];
  signal: AbortSignal;
  /** Called while a streamed response arrives: text deltas and finished output items. */
  onProgress?: (progress: ModelProgress) => void;
}

/** What a streaming adapter reports before the turn is complete. */
export type ModelProgress = { type: "text"; delta: string } | { type: "item"; item: ResponseOutputItem };

/**
 * A model protocol. The history is the stateless transcript in Responses item form; an adapter
 * for another protocol (Chat Completions) translates it both ways.
 */
export interface ModelAdapter {
  nextTurn(request: ModelRequest): Promise<ModelTurn>;
}
