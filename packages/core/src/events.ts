import type { JobPhase, JobStatus } from "./job-status.js";

/** Version of the event envelope; bumped on incompatible changes. */
export const EVENT_VERSION = 1;

export const EVENT_TYPES = [
  "status",
  "log",
  "model",
  "tool_call",
  "tool_result",
  "check",
  "error",
  "network",
  "environment",
  "user_message",
  "plan",
  "hidden",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** What provisioning reused from the worker's git cache (the provision log line's `checkout`). */
export interface CheckoutStats {
  /** "miss": the remote's cache entry was made by this job; "hit": it existed, only new objects were fetched. */
  cache: "hit" | "miss";
  /** "project": fetched with the project's credentials, kept for it alone; "shared": fetched with none. */
  scope: "project" | "shared";
  objectsFetched: number;
  bytesFetched: number;
  fetchMs: number;
  /** What the sandbox's .git got: the commit alone, or the branches and tags with their history. */
  history: "shallow" | "full";
}

/** Payloads by event type. */
export interface EventData {
  status: { status: JobStatus; phase?: JobPhase | null; message?: string; attempt?: number };
  log: { stream: "stdout" | "stderr"; text: string; phase?: JobPhase; source?: string; checkout?: CheckoutStats };
  model: {
    turn: number;
    model: string;
    usage: TokenUsage;
    itemTypes: string[];
    text?: string;
    /** The turn's full output items (Responses item shapes), so the transcript can be replayed. */
    output?: unknown[];
    /** Estimated cost of the run so far in USD, when the model's price is known. */
    costUsd?: number;
  };
  tool_call: { callId: string; tool: string; input: unknown };
  tool_result: {
    callId: string;
    tool: string;
    ok: boolean;
    output: string;
    exitCode?: number | null;
    durationMs?: number;
  };
  check: {
    stage: "baseline" | "after";
    kind: "test" | "lint";
    command: string;
    exitCode: number | null;
    passed: boolean;
    /** "unavailable" when the command is not installed (see CheckRun.status); absent in events of older jobs. */
    status?: "passed" | "failed" | "unavailable";
    /** Why the check is unavailable. */
    reason?: string;
    durationMs: number;
    timedOut?: boolean;
    counts?: { passed: number; failed: number; skipped: number };
    /** At most the first 50 failing test names; the job result holds them all. */
    failedTests?: string[];
  };
  error: { code: string; message: string; retryable: boolean };
  /** One connection a sandbox made through the egress proxy (setup, or the agent with agentNetwork "allowlist"). */
  network: {
    phase: "setup" | "agent";
    host: string;
    port: number;
    /** The HTTP method; null for CONNECT tunnels (https), whose requests the proxy cannot see. */
    method: string | null;
    status: number | null;
    allowed: boolean;
    reason?: string;
    bytesUp: number;
    bytesDown: number;
    durationMs: number;
  };
  /** The job's environment: a cached one restored (hit), or setup run (miss) and kept (built). */
  environment: {
    status: "hit" | "miss" | "built" | "not_cached" | "failed";
    key: string;
    ms: number;
    sizeBytes?: number;
    message?: string;
    /** When each step of the phase ended, in ms since the phase started (e.g. `plan`, `setup_commands`). */
    steps?: Record<string, number>;
  };
  /**
   * A steering message: stored when the API accepts it (`delivered: false`), and again with
   * `delivered: true` once it went into a model request.
   */
  user_message: { messageId: string; text: string; delivered: boolean };
  /** The agent's plan as it last set it with `update_plan`. */
  plan: { explanation?: string; steps: PlanStep[] };
  /** The hidden checks' outcome (result.hidden names every test); never emitted before the agent phase ended. */
  hidden: {
    resolved: boolean;
    failToPass: { passed: number; failed: number };
    passToPass: { passed: number; failed: number };
    exitCode: number | null;
    durationMs: number;
    /** At most the first 50 named tests that did not pass. */
    notPassing: string[];
    error?: string;
  };
}

/** One step of the agent's plan. */
export interface PlanStep {
  step: string;
  status: "pending" | "in_progress" | "completed";
}

/**
 * Which attempt of a best-of-N job an event belongs to: `data.candidate` on any event (absent: the
 * job as a whole, or a job of one attempt).
 */
export interface CandidateTag {
  candidate?: number;
}

/** An event before the store gives it a sequence number. */
export type NewEvent = { [K in EventType]: { type: K; data: EventData[K] } }[EventType];

/** The event marked as attempt `n`'s (best-of-N). */
export function tagCandidate(event: NewEvent, n: number): NewEvent {
  const data: CandidateTag = { ...event.data, candidate: n };
  return { ...event, data } as unknown as NewEvent;
}

/** The attempt an event belongs to, if any. */
export function eventCandidate(event: { data: unknown }): number | undefined {
  const data = event.data as CandidateTag | null;
  return typeof data?.candidate === "number" ? data.candidate : undefined;
}

/** An event as stored and served: `seq` runs 1..n per job without gaps. */
export type JobEvent = NewEvent & { seq: number; ts: string; v: number };

/** Token counts for one model turn or a whole job. */
export interface TokenUsage {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}

export const ZERO_USAGE: TokenUsage = { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 };

/** Sums two usages. */
export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningTokens: a.reasoningTokens + b.reasoningTokens,
  };
}

/** Where a pipeline step sends its events; the worker batches them into storage. */
export type EventSink = (event: NewEvent) => void;
