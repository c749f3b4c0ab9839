import type { CheckCommand, CheckSpec, DetectedChecks } from "./types.js";

/**
 * The commands to run, test first: each kind comes from the JobSpec when it names one, from
 * detection otherwise, and is left out when neither has it.
 */
export function resolveChecks(spec: CheckSpec | undefined, detected: Omit<DetectedChecks, "setup">): CheckCommand[] {
  const commands: CheckCommand[] = [];
  for (const kind of ["test", "lint"] as const) {
    const explicit = spec?.[kind]?.trim();
    const found = detected[kind];
    if (explicit) commands.push({ kind, command: explicit, source: "job" });
    else if (found) commands.push({ kind, command: found.command, source: "detected", detectedFrom: found.source });
  }
  return commands;
}
