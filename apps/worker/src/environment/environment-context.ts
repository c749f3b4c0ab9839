import type { SandboxMount } from "@patchbay/sandbox";
import type { EgressDoor } from "./egress-door.js";
import type { EnvironmentDeps, EnvironmentInput } from "./environment-phase.js";

/** The shared state of one job's environment phase. */
export interface Context {
  deps: EnvironmentDeps;
  input: EnvironmentInput;
  /** Known once the lookup ran. */
  key: string;
  allow: string[];
  started: number;
  agentDoor: EgressDoor | null;
  agentMounts: SandboxMount[];
  /** When each step ended, in ms since `started` (the `environment` event's `steps`). */
  steps: Record<string, number>;
}

/** Records that `step` just ended (the first time only: a step that ran twice keeps its first end). */
export function mark(ctx: Pick<Context, "started" | "steps">, step: string): void {
  ctx.steps[step] ??= Date.now() - ctx.started;
}

/** The agent's door (agentNetwork "allowlist"): its mounts, and proxy settings for every command. */
export function agentNet(
  ctx: Context,
  mounts: SandboxMount[],
): { mounts: SandboxMount[]; env?: Record<string, string> } {
  return mounts.length > 0 && ctx.deps.egress ? { mounts, env: ctx.deps.egress.env } : { mounts };
}

/** The named secrets that are set. */
export function pick(secrets: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => secrets[n] !== undefined).map((n) => [n, secrets[n]!]));
}

/** A warning in the worker's log and in the job's setup log. */
export function warn(input: EnvironmentInput, message: string): void {
  input.log.warn({ jobId: input.job.id }, message);
  input.emit({
    type: "log",
    data: { stream: "stderr", text: `patchbay: ${message}\n`, phase: "setup", source: "patchbay" },
  });
}

/** Closes a door to the proxy, if there is one (never throws). */
export async function closeDoor(door: EgressDoor | null): Promise<void> {
  await door?.close().catch(() => undefined);
}
