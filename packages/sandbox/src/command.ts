import { randomUUID } from "node:crypto";
import { type ExecOptions, type ExecResult, PatchbayError } from "@patchbay/core";
import type Docker from "dockerode";
import { type ExecHandle, startExec } from "./exec-stream.js";
import { OutputCollector, type OutputLimits } from "./output-collector.js";
import { resolveCwd, toEnvList } from "./paths.js";

/** Per-sandbox settings for running commands. */
export interface CommandSettings extends OutputLimits {
  root: string;
  /** How long a signalled command gets before the next, harder signal. */
  killGraceMs: number;
  /** PATH the caller set for the sandbox; a login shell's /etc/profile would otherwise reset it. */
  sandboxPath: string | undefined;
}

/**
 * Runs in a new session (setsid) so that the command and everything it starts share one process
 * group, which a second exec can kill as a whole; `$1` records that group's id. The TERM trap
 * (a handler, so children still die of TERM) lets the wrapper outlive a group kill and exit
 * normally, instead of setsid printing a confusing "did not exit normally" line.
 */
const WRAPPER = [
  "trap : TERM",
  'echo "$$" > "$1"',
  'cd -- "$2" || exit 1',
  'bash -lc "$3"',
  "rc=$?",
  'rm -f -- "$1"',
  'exit "$rc"',
].join("\n");

/** Waits briefly for the group id (a kill may race the start), then signals the whole group. */
const KILL_SCRIPT = [
  'for _ in $(seq 50); do [ -s "$1" ] && break; sleep 0.02; done',
  'pgid=$(cat -- "$1" 2>/dev/null) || exit 0',
  'kill -s "$2" -- "-$pgid" 2>/dev/null',
  'if [ "$2" = KILL ]; then rm -f -- "$1"; fi',
  "exit 0",
].join("\n");

type Outcome = "exited" | "timeout" | "aborted";

/** Runs one shell command with timeout, cancellation and capped output. Never throws for a non-zero exit. */
export async function runCommand(
  container: Docker.Container,
  command: string,
  options: ExecOptions,
  settings: CommandSettings,
): Promise<ExecResult> {
  if (options.signal?.aborted) throw cancelled();
  const started = performance.now();
  const output = new OutputCollector(settings, options.onOutput);
  // /dev/shm rather than /tmp: test suites like to empty /tmp, and the kill needs this file.
  const pidFile = `/dev/shm/patchbay-${randomUUID()}.pgid`;
  const handle = await startExec(container, {
    cmd: wrapperArgv(pidFile, resolveCwd(settings.root, options.cwd), withPath(command, options, settings)),
    env: toEnvList(options.env),
    workingDir: settings.root,
    sink: output.sink,
  });
  const outcome = await supervise(container, handle, pidFile, options, settings.killGraceMs);
  const exitCode = outcome === "exited" ? await handle.exitCode() : null;
  const kept = output.finish();
  if (outcome === "exited" && exitCode === null) await lostConnection(container, handle, pidFile, settings.killGraceMs);
  if (outcome === "aborted") throw cancelled({ stdout: kept.stdout, stderr: kept.stderr });
  return { exitCode, ...kept, timedOut: outcome === "timeout", durationMs: Math.round(performance.now() - started) };
}

/** The exec's argv: setsid → wrapper (records the group, changes directory) → `bash -lc command`. */
export function wrapperArgv(pidFile: string, cwd: string, command: string): string[] {
  return ["setsid", "-w", "bash", "-c", WRAPPER, "patchbay-exec", pidFile, cwd, command];
}

function withPath(command: string, options: ExecOptions, settings: CommandSettings): string {
  const path = options.env?.PATH ?? settings.sandboxPath;
  if (path === undefined) return command;
  return `export PATH=${shellQuote(path)}; ${command}`;
}

/** Quotes a string for bash as one word. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function cancelled(details?: { stdout: string; stderr: string }): PatchbayError {
  return new PatchbayError("cancelled", "The command was cancelled.", { details });
}

async function supervise(
  container: Docker.Container,
  handle: ExecHandle,
  pidFile: string,
  options: ExecOptions,
  graceMs: number,
): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<Outcome>((resolve) => {
    if (options.timeoutMs !== undefined) timer = setTimeout(() => resolve("timeout"), Math.max(0, options.timeoutMs));
    onAbort = () => resolve("aborted");
    // The signal may have fired while the exec was being created: no event will come for it.
    if (options.signal?.aborted) resolve("aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  const first = await Promise.race([handle.done.then(() => "exited" as const), stop]);
  clearTimeout(timer);
  if (onAbort) options.signal?.removeEventListener("abort", onAbort);
  if (first !== "exited") await killGroup(container, handle, pidFile, graceMs);
  return first;
}

/**
 * The wrapper holds stdout until it exits, so output ending while it still runs means the
 * connection to the engine broke: stop the orphan and report an infrastructure failure.
 */
async function lostConnection(container: Docker.Container, handle: ExecHandle, pidFile: string, graceMs: number) {
  await killGroup(container, handle, pidFile, graceMs).catch(() => undefined);
  throw new PatchbayError("sandbox_failed", "Lost the connection to a running command in the sandbox.");
}

/** TERM, then KILL, then give up on the connection: the caller gets its answer either way. */
async function killGroup(container: Docker.Container, handle: ExecHandle, pidFile: string, graceMs: number) {
  for (const signal of ["TERM", "KILL"]) {
    await signalGroup(container, pidFile, signal).catch(() => undefined);
    if (await settlesWithin(handle.done, graceMs)) return;
  }
  handle.detach();
}

async function signalGroup(container: Docker.Container, pidFile: string, signal: string): Promise<void> {
  const handle = await startExec(container, {
    cmd: ["bash", "-c", KILL_SCRIPT, "patchbay-kill", pidFile, signal],
    sink: () => undefined,
  });
  await handle.done;
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}
