/** Token counts a script may pin for a turn; anything left out is estimated from the request. */
export interface ScriptUsage {
  input_tokens?: number;
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  output_tokens?: number;
  output_tokens_details?: { reasoning_tokens?: number };
  total_tokens?: number;
}

/** The error body a scripted failure answers with (OpenAI's `{error: {...}}` shape). */
export interface ScriptError {
  message: string;
  type?: string;
  code?: string;
}

/**
 * One model turn. `output` holds Responses output items (missing ids, statuses and call ids are
 * filled in). With `status` (an HTTP error code) the turn first fails `failures` times (default 1)
 * and then answers `output`, so that a client's retry gets through.
 */
export interface ScriptTurn {
  output: Array<Record<string, unknown>>;
  usage?: ScriptUsage;
  status?: number;
  error?: ScriptError;
  /** How many identical requests fail before `output` is served (only with `status`). */
  failures?: number;
  /** Extra response headers for the failures, e.g. `{"retry-after": "2"}`. */
  headers?: Record<string, string>;
  /** A fault injected before the turn is answered (not with `status`). */
  fault?: ScriptFault;
  /** Free text for the reader of the script; ignored by the server. */
  note?: string;
}

/**
 * Faults for tests of a client's resilience. `times` (default 1) counts like `failures`: per
 * script, turn and exact request history, so a client's retry of the same request gets through.
 * - `slow_first_byte`: wait `delayMs` before answering at all.
 * - `drop_stream`: send the headers and `afterEvents` stream events (default 2; for a plain
 *   request, half the body) and then cut the connection.
 * - `malformed_arguments`: the turn's function-call arguments are cut short, so they are not
 *   JSON (always; a client's retry of the call is a new turn).
 */
export type ScriptFault =
  | { type: "slow_first_byte"; delayMs: number; times?: number }
  | { type: "drop_stream"; afterEvents?: number; times?: number }
  | { type: "malformed_arguments" };

/** A whole scripted conversation: turn k answers a request that carries k earlier model turns. */
export interface ModelScript {
  /** Free text for the reader of the script; ignored by the server. */
  description?: string;
  turns: ScriptTurn[];
}

/** One HTTP request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body; the raw text when it was not JSON; undefined when empty. */
  body: unknown;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
}

/** A running scripted model server. */
export interface ScriptedModelServer {
  /** Base URL ending in /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  /** Every request received so far, oldest first (GET/DELETE /v1/_requests excluded). */
  requests: RecordedRequest[];
  addScript(name: string, script: ModelScript): void;
  close(): Promise<void>;
}

/** Options for startScriptedModelServer. */
export interface ScriptedModelServerOptions {
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Defaults to 127.0.0.1; the server is meant for loopback only. */
  host?: string;
  /** A folder of `<name>.json` scripts, loaded at start and looked up again for unknown names. */
  scriptsDir?: string;
  scripts?: Record<string, ModelScript>;
}
