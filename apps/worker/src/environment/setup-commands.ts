import type { ResolvedSetup } from "@patchbay/checks";
import { type ExecOptions, type ExecResult, PatchbayError } from "@patchbay/core";
import type { Sandbox } from "@patchbay/sandbox";
import { diskLimitError } from "../pipeline/disk-limit.js";
import { denyHint, type NetworkLedger } from "./egress-door.js";
import type { EgressSetup } from "./environment-phase.js";
import {
  cacheEnv,
  type HostRegistries,
  NO_SIDE_REQUESTS,
  registryEnv,
  registryFiles,
  writeFilesCommand,
} from "./setup-env.js";

/** How setup commands run. */
export interface SetupRun extends ExecOptions {
  setup: ResolvedSetup;
  /** The project's own setup commands and the secrets they (alone) receive. */
  admin?: { commands: readonly string[]; secrets: Record<string, string> };
  /** With a door to the proxy: its settings, and the ledger that names refused hosts. */
  egress?: EgressSetup;
  network?: NetworkLedger;
  projectId?: string;
  /** Point npm and pip at the host's registries (user-level config, under the repository's own). */
  registries?: HostRegistries | null;
  /** The project's dependency-cache volume is mounted. */
  cache?: boolean;
  /** Why setup has no network (the worker runs without its egress proxy); named when a command fails. */
  offline?: string;
  /** Told when a step ended (`bridge`, `command_<n>`), for the phase's timeline. */
  onStep?: (step: string) => void;
}

/**
 * Runs the project's setup commands (with their secrets) and then the repository's (JobSpec,
 * .patchbay.yml or detected; no secrets). A failure that met a refused host is
 * `environment_failed` naming the host and the setting; any other is `setup_failed`.
 */
export async function runSetupCommands(sandbox: Sandbox, commands: readonly string[], run: SetupRun): Promise<void> {
  const admin = run.admin?.commands ?? [];
  if (admin.length + commands.length === 0) return;
  const { setup, admin: _a, egress, network, projectId, registries, cache, offline, onStep, ...options } = run;
  const step = onStep ?? (() => undefined);
  const files = writeFilesCommand(registries ? registryFiles(registries) : []);
  // One round trip: the user-level config files go in with the bridge's start.
  if (egress) await startBridge(sandbox, egress, files);
  else if (files) await sandbox.exec(files, { timeoutMs: 30_000 });
  step("bridge");
  const env = {
    ...NO_SIDE_REQUESTS,
    ...(egress?.env ?? {}),
    ...(cache ? cacheEnv() : {}),
    ...(registries ? registryEnv(registries) : {}),
  };
  const base = { ...options, ...(setup.timeoutMs ? { timeoutMs: setup.timeoutMs } : {}) };
  for (const command of admin) {
    const result = await sandbox.exec(command, { ...base, env: { ...env, ...run.admin!.secrets } });
    if (result.exitCode !== 0) throw await failure(sandbox, "project setup command", command, result, run);
  }
  for (const [i, command] of commands.entries()) {
    const result = await sandbox.exec(command, { ...base, env });
    if (result.exitCode !== 0) throw await failure(sandbox, "setup command", command, result, run);
    step(`command_${i + 1}`);
  }
}

/** A full sandbox disk is `disk_limit`; anything else goes to setupError. */
async function failure(
  sandbox: Sandbox,
  what: string,
  command: string,
  result: ExecResult,
  run: SetupRun,
): Promise<PatchbayError> {
  const disk = await diskLimitError(sandbox, result, `${what} \`${command}\``).catch(() => null);
  return disk ?? setupError(what, command, result, run);
}

function setupError(
  what: string,
  command: string,
  result: ExecResult,
  { network, projectId, offline }: Pick<SetupRun, "network" | "projectId" | "offline">,
): PatchbayError {
  const why = result.timedOut ? "timed out" : `exited with ${result.exitCode}`;
  const tail = result.stderr.trim().slice(-500) || result.stdout.trim().slice(-500);
  const denied = network?.snapshot().deniedHosts ?? [];
  if (denied.length > 0 && projectId) {
    const hosts = denied.join(", ");
    const message = `${what} \`${command}\` ${why}; the egress proxy refused ${hosts}: to allow it, ${denyHint(projectId)}. Output: ${tail}`;
    return new PatchbayError("environment_failed", message, { details: { deniedHosts: denied } });
  }
  // Without the proxy a failure is often a download that could not happen: say so, and why.
  const note = offline ? ` (setup ran without network: ${offline})` : "";
  return new PatchbayError("setup_failed", `${what} \`${command}\` ${why}${note}: ${tail}`);
}

/**
 * Starts the bridge to the proxy in the sandbox (after `before`, whose failure is ignored, as a
 * file write's is); `environment_failed` naming the bridge's setting when it cannot.
 */
export async function startBridge(
  sandbox: Sandbox,
  egress: Pick<EgressSetup, "bridgeStart" | "bridgeHostPath">,
  before: string | null = null,
): Promise<void> {
  const command = before ? `{ ${before}; } >/dev/null 2>&1; ${egress.bridgeStart}` : egress.bridgeStart;
  const result = await sandbox.exec(command, { timeoutMs: 15_000 });
  if (result.exitCode !== 0) {
    const why = (result.stderr.trim() || result.stdout.trim() || `exit ${result.exitCode}`).slice(-300);
    throw new PatchbayError(
      "environment_failed",
      `the egress proxy could not be reached from the sandbox: ${why} ` +
        `(the bridge is ${egress.bridgeHostPath} on the worker's host, set by PATCHBAY_EGRESS_BRIDGE)`,
    );
  }
}

/** `.patchbay.yml` maintenance on a restored environment: offline and without secrets. */
export async function runMaintenance(
  sandbox: Sandbox,
  commands: readonly string[],
  options: ExecOptions,
): Promise<void> {
  for (const command of commands) {
    const result = await sandbox.exec(command, options);
    if (result.exitCode !== 0) {
      const why = result.timedOut ? "timed out" : `exited with ${result.exitCode}`;
      throw new PatchbayError(
        "setup_failed",
        `maintenance command \`${command}\` ${why}: ${result.stderr.slice(-500)}`,
      );
    }
  }
}
