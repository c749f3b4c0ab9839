import type { ErrorCode, JobStatus, PatchbayError } from "@patchbay/core";

/** The terminal status a pipeline error leads to. */
export function statusForError(error: PatchbayError): JobStatus {
  const code: ErrorCode = error.code;
  switch (code) {
    case "cancelled":
      return "cancelled";
    case "timed_out":
      return "timed_out";
    case "repo_clone_failed":
    case "setup_failed":
    case "environment_failed":
    case "budget_exceeded":
    case "agent_loop":
    case "invalid_config":
    case "push_failed":
    case "repo_too_large":
    case "patch_too_large":
    case "disk_limit":
    case "review_not_reported":
    case "invalid_request":
    case "conflict":
    case "not_found":
    case "unauthorized":
    case "forbidden":
    case "unsupported_media_type":
      return "failed";
    case "model_unreachable":
    case "model_error":
    case "model_unavailable":
    case "sandbox_failed":
    case "worker_lost":
    case "rate_limited":
    case "unavailable":
    case "internal":
    case "github_failed":
    case "engine_failed":
      return "error";
  }
}

/** Whether the patch made so far is worth keeping for a job that ended with this error. */
export function keepsPartialPatch(error: PatchbayError): boolean {
  return error.code === "budget_exceeded" || error.code === "agent_loop" || error.code === "timed_out";
}
