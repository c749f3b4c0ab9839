/**
 * Every failure Patchbay reports carries a stable code and says whether retrying can help.
 * The code is what clients switch on; the message is for people.
 */
export const ERROR_CODES = {
  // caller's mistakes (API 4xx)
  invalid_request: { retryable: false, http: 400 },
  not_found: { retryable: false, http: 404 },
  conflict: { retryable: false, http: 409 },
  /** No API key, or one that is unknown, malformed or revoked. */
  unauthorized: { retryable: false, http: 401 },
  /** The API key lacks the scope the request needs. */
  forbidden: { retryable: false, http: 403 },
  /** The key's request rate or the project's queue is at its limit; retry after `Retry-After`. */
  rate_limited: { retryable: true, http: 429 },
  /** A request body in a content type the route does not read; the message names the one it does. */
  unsupported_media_type: { retryable: false, http: 415 },
  // job outcomes
  repo_clone_failed: { retryable: false, http: 422 },
  setup_failed: { retryable: false, http: 422 },
  /** Setup could not get what it needed from the network: a host outside the allowlist, or the proxy unreachable. */
  environment_failed: { retryable: false, http: 422 },
  model_unreachable: { retryable: true, http: 502 },
  model_error: { retryable: true, http: 502 },
  /** The endpoint kept failing (429, 5xx, dropped connections) through every retry. */
  model_unavailable: { retryable: true, http: 503 },
  budget_exceeded: { retryable: false, http: 422 },
  agent_loop: { retryable: false, http: 422 },
  /** The repository's .patchbay.yml is not valid; the message names the bad fields. */
  invalid_config: { retryable: false, http: 422 },
  /** output.branch could not be pushed (branch exists without output.force, rejected, no access). */
  push_failed: { retryable: false, http: 422 },
  timed_out: { retryable: false, http: 422 },
  cancelled: { retryable: false, http: 409 },
  /** The checkout has more files or bytes than PATCHBAY_MAX_REPO_FILES / PATCHBAY_MAX_REPO_MB allow. */
  repo_too_large: { retryable: false, http: 422 },
  /** The agent's change is bigger than PATCHBAY_MAX_PATCH_BYTES; nothing of it is stored. */
  patch_too_large: { retryable: false, http: 422 },
  /** The sandbox's disk (its size-limited /workspace, /tmp or home) filled up. */
  disk_limit: { retryable: false, http: 422 },
  /** A review job's model finished without an accepted report_findings call. */
  review_not_reported: { retryable: false, http: 422 },
  // ours
  sandbox_failed: { retryable: true, http: 500 },
  /** The job's worker died more often than the stall limit allows. */
  worker_lost: { retryable: true, http: 500 },
  unavailable: { retryable: true, http: 503 },
  internal: { retryable: true, http: 500 },
  /** GitHub's REST API refused or failed a request (a pull request or comment for a job). */
  github_failed: { retryable: true, http: 502 },
  /** The job's agent engine (the Codex CLI) could not be installed, or ended without the model being the cause. */
  engine_failed: { retryable: true, http: 500 },
} as const satisfies Record<string, { retryable: boolean; http: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error with a code from ERROR_CODES; safe to show to clients. */
export class PatchbayError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PatchbayError";
    this.code = code;
    this.retryable = ERROR_CODES[code].retryable;
    this.details = options?.details;
  }

  /** The shape stored on a job and returned by the API. */
  toJSON(): ErrorInfo {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

/** A job's error as stored and served. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

/** Turns anything thrown into a PatchbayError (unknown errors become `internal`). */
export function toPatchbayError(err: unknown): PatchbayError {
  if (err instanceof PatchbayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new PatchbayError("internal", message, { cause: err });
}
