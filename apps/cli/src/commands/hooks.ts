import { type ApiClient, CliError } from "../api-client.js";
import type { Out } from "./jobs.js";

interface HookSettings {
  triggerLabel: string;
  template: Record<string, unknown>;
}

const USAGE = "usage: patchbay hooks settings [--trigger-label LABEL] [--template JSON]   (changes: admin key)";

function templateFrom(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new CliError('--template must be a JSON object of JobSpec fields, e.g. \'{"model": "gpt-5.3-codex"}\'');
}

/**
 * `patchbay hooks settings`: the project's GitHub webhook settings (trigger label, the JobSpec
 * template webhook jobs start from). With --trigger-label or --template it changes them (the
 * other keeps its value) and prints the result.
 */
export async function hooksCommand(
  api: ApiClient,
  args: readonly string[],
  flags: { "trigger-label"?: string; template?: string },
  out: Out,
): Promise<number> {
  if (args[0] !== "settings") throw new CliError(USAGE);
  let settings = (await api.send("GET", "/v1/hooks/github/settings")) as HookSettings;
  if (flags["trigger-label"] !== undefined || flags.template !== undefined) {
    settings = (await api.send("PUT", "/v1/hooks/github/settings", {
      triggerLabel: flags["trigger-label"] ?? settings.triggerLabel,
      template: flags.template === undefined ? settings.template : templateFrom(flags.template),
    })) as HookSettings;
  }
  if (out.json) out.print(JSON.stringify(settings));
  else out.print(`trigger label: ${settings.triggerLabel}\ntemplate: ${JSON.stringify(settings.template, null, 2)}`);
  return 0;
}
