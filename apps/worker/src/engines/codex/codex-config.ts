import { PatchbayError } from "@patchbay/core";

/** What goes into the sandbox's `~/.codex/config.toml`: no key, only the loopback end of the model socket. */
export interface CodexConfigInput {
  /** The job's model (a `responses:` prefix is dropped: Codex speaks only the Responses API). */
  model: string;
  reasoningEffort?: string;
  /** e.g. `http://127.0.0.1:3129/v1`: the bridge that relays to the worker's model proxy. */
  baseUrl: string;
  /** Retries Codex makes itself per request / per dropped stream. */
  retries: number;
}

/** The provider name in Codex's configuration. */
export const CODEX_PROVIDER = "patchbay";

/**
 * Codex's configuration for a job: the custom provider on the Responses API, no approvals and no
 * sandbox of its own (the job's container is the sandbox: Codex's would need privileges the
 * container drops), no update check, analytics or hosted web search (nothing else may leave).
 */
export function codexConfigToml(input: CodexConfigInput): string {
  const lines = [
    `model = ${toml(codexModel(input.model))}`,
    `model_provider = ${toml(CODEX_PROVIDER)}`,
    ...(input.reasoningEffort ? [`model_reasoning_effort = ${toml(input.reasoningEffort)}`] : []),
    `approval_policy = "never"`,
    `sandbox_mode = "danger-full-access"`,
    "check_for_update_on_startup = false",
    `web_search = "disabled"`,
    "",
    "[analytics]",
    "enabled = false",
    "",
    `[model_providers.${CODEX_PROVIDER}]`,
    `name = "Patchbay"`,
    `base_url = ${toml(input.baseUrl)}`,
    `wire_api = "responses"`,
    `request_max_retries = ${input.retries}`,
    `stream_max_retries = ${input.retries}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** The model name Codex sends; a Chat Completions model cannot be served to it. */
export function codexModel(model: string): string {
  if (model.startsWith("chat:")) {
    throw new PatchbayError(
      "invalid_request",
      `engine "codex" speaks only the Responses API: model ${model} names Chat Completions (drop the chat: prefix)`,
    );
  }
  return model.replace(/^responses:/, "");
}

/** A TOML basic string (JSON's escapes are valid TOML ones). */
function toml(value: string): string {
  return JSON.stringify(value);
}
