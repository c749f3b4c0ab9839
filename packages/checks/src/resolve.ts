import type { JobResult } from "@patchbay/core";
import type { RepoConfig } from "./config-file.js";
import type { CheckCommand, CheckSpec, CommandSource, DetectedChecks } from "./types.js";

/** How the resolved setup relates to detected commands. */
export interface ResolveChecksOptions {
  /**
   * False when setup comes from the JobSpec or .patchbay.yml: detected commands that need
   * detected setup (a `.venv`) fall back to their plain form. @defaultValue true
   */
  detectedSetup?: boolean;
}

/**
 * The commands to run, test first: each kind comes from the JobSpec when it names one, from the
 * repository's .patchbay.yml next, from detection otherwise, and is left out when none has it.
 */
export function resolveChecks(
  spec: CheckSpec | undefined,
  detected: Omit<DetectedChecks, "setup" | "setupReasons">,
  config?: RepoConfig | null,
  options: ResolveChecksOptions = {},
): CheckCommand[] {
  const commands: CheckCommand[] = [];
  for (const kind of ["test", "lint"] as const) {
    const explicit = spec?.[kind]?.trim();
    const configured = config?.[kind];
    const found = detected[kind];
    const timeout = config?.timeouts?.[kind];
    const extras: Partial<CheckCommand> = {
      ...(timeout ? { timeoutMs: timeout * 1000 } : {}),
      ...(kind === "test" && config?.junit ? { junit: config.junit } : {}),
    };
    if (explicit) commands.push({ kind, command: explicit, source: "job", ...extras });
    else if (configured) commands.push({ kind, command: configured, source: "config", ...extras });
    else if (found) {
      const command = options.detectedSetup === false && found.withoutSetup ? found.withoutSetup : found.command;
      commands.push({ kind, command, source: "detected", detectedFrom: found.source, ...extras });
    }
  }
  return commands;
}

/** The setup commands that will run, who named them (JobSpec, then .patchbay.yml, then detection) and why. */
export interface ResolvedSetup {
  commands: string[];
  source: CommandSource;
  /**
   * Why these commands: for detection one line per decision ("package-lock.json → npm ci",
   * "pyproject.toml [build-system] → the project installed editable with extras test"), also
   * when nothing is installed; for the JobSpec and .patchbay.yml, which setting named them.
   */
  reasons: string[];
  /** From .patchbay.yml `timeouts.setup`, per command. */
  timeoutMs?: number;
}

/** Picks the setup commands: the JobSpec's list wins as a whole, then .patchbay.yml's, then detection's. */
export function resolveSetup(
  specSetup: readonly string[] | undefined,
  detected: DetectedChecks,
  config?: RepoConfig | null,
): ResolvedSetup {
  const timeout = config?.timeouts?.setup;
  const extras = timeout ? { timeoutMs: timeout * 1000 } : {};
  if (specSetup) return { commands: [...specSetup], source: "job", reasons: ["the JobSpec's setup"], ...extras };
  if (config?.setup) return { commands: config.setup, source: "config", reasons: [".patchbay.yml setup"], ...extras };
  return { commands: detected.setup, source: "detected", reasons: detected.setupReasons, ...extras };
}

/** The job result's `setup` field for a resolved setup. */
export function setupResult(setup: ResolvedSetup): NonNullable<JobResult["setup"]> {
  return { commands: setup.commands, source: setup.source, reasons: setup.reasons };
}
