import type { RepoConfig } from "./config-file.js";
import type { CheckCommand, CheckSpec, CommandSource, DetectedChecks } from "./types.js";

/**
 * The commands to run, test first: each kind comes from the JobSpec when it names one, from the
 * repository's .patchbay.yml next, from detection otherwise, and is left out when none has it.
 */
export function resolveChecks(
  spec: CheckSpec | undefined,
  detected: Omit<DetectedChecks, "setup">,
  config?: RepoConfig | null,
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
    else if (found)
      commands.push({ kind, command: found.command, source: "detected", detectedFrom: found.source, ...extras });
  }
  return commands;
}

/** The setup commands that will run and who named them (JobSpec, then .patchbay.yml, then detection). */
export interface ResolvedSetup {
  commands: string[];
  source: CommandSource;
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
  if (specSetup) return { commands: [...specSetup], source: "job", ...extras };
  if (config?.setup) return { commands: config.setup, source: "config", ...extras };
  return { commands: detected.setup, source: "detected", ...extras };
}
