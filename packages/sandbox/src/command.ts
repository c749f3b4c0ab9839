import { type ExecOptions, type ExecResult, PatchbayError } from "@patchbay/core";
import type Docker from "dockerode";
import { engineCall, isNotFound } from "./errors.js";
import { OutputCollector, type OutputLimits } from "./output-collector.js";
import { resolveCwd, toEnvList } from "./paths.js";
import { decideReason } from "./reasons.js";
import type { ShellLease, ShellPool } from "./shell-pool.js";
import type { ShellOutcome } from "./shell-session.js";

/** Per-sandbox settings for running commands. */
export interface CommandSettings extends OutputLimits {
  root: string;
  /** How long a signalled command gets before the next, harder signal. */
  killGraceMs: number;
  /** PATH the caller set for the sandbox; the login profile would otherwise reset it. */
  sandboxPath: string | undefined;
}

type Stop = "timeout" | "aborted";
interface Supervised {
  how: "exited" | Stop;
  /** Null when the command never reported back, even after SIGKILL. */
  outcome: ShellOutcome | null;
}

/** Runs one shell command with timeout, cancellation and capped output. Never throws for a non-zero exit. */
export async function runCommand(
  container: Docker.Container,
  shells: ShellPool,
  command: string,
  options: ExecOptions,
  settings: CommandSettings,
): Promise<ExecResult> {
  if (options.signal?.aborted) throw cancelled();
  if (command.includes("\0")) throw new PatchbayError("invalid_request", "A command must not contain NUL bytes.");
  const started = performance.now();
  const request = {
    cwd: resolveCwd(settings.root, options.cwd),
    command: withPath(command, options, settings),
    env: toEnvList(options.env),
  };
  const output = new OutputCollector(settings, options.onOutput);
  const lease = await shells.acquire();
  if (lease.notice) notify(options, lease.notice);
  const run = lease.session.run(request, output.sink);
  const { how, outcome } = await supervise(shells, lease, run, options, settings.killGraceMs);
  shells.release(lease, how === "exited" && outcome?.kind === "exited" && !outcome.leftovers);
  const kept = output.finish();
  if (how === "aborted") throw cancelled({ stdout: kept.stdout, stderr: kept.stderr });
  const died = outcome === null || outcome.kind === "died";
  if (died && how === "exited") await assertRunning(container);
  const exited = outcome?.kind === "exited" ? outcome : null;
  const exitCode = how === "exited" && exited ? exited.exitCode : null;
  if (died && how === "exited") kept.stderr += "\n[patchbay] the shell running this command died\n";
  const reason = decideReason({
    exitCode,
    timedOut: how === "timeout",
    oomKills: exited?.oomKills ?? 0,
    pidsLimitHits: exited?.pidsLimitHits ?? 0,
    output: `${kept.stdout}\n${kept.stderr}`,
    shellDied: died && how === "exited",
  });
  const durationMs = Math.round(performance.now() - started);
  return { exitCode, ...kept, timedOut: how === "timeout", durationMs, ...(reason ? { reason } : {}) };
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

function notify(options: ExecOptions, message: string): void {
  try {
    options.onOutput?.("stderr", `${message}\n`);
  } catch {
    // A listener's bug must not fail the command.
  }
}

/** Waits for the command, or stops it on time-out or abort: TERM, then KILL, then give up on it. */
async function supervise(
  shells: ShellPool,
  lease: ShellLease,
  run: Promise<ShellOutcome>,
  options: ExecOptions,
  graceMs: number,
): Promise<Supervised> {
  const stop = stopSignal(options);
  const first = await Promise.race([run.then((o) => ({ how: "exited" as const, outcome: o })), stop.promise]);
  stop.dispose();
  if (first.how === "exited") return first;
  for (const signal of ["TERM", "KILL"] as const) {
    await shells.signal(lease.session, signal).catch(() => undefined);
    const outcome = await settleWithin(run, graceMs);
    if (!outcome) continue;
    // A stopped command leaves nothing: what outlived TERM (a fork bomb's newest forks, a child
    // that ignores TERM) gets KILL too; its session kept the group's name for this.
    if (signal === "TERM" && outcome.kind === "exited" && outcome.leftovers) {
      await shells.signal(lease.session, "KILL").catch(() => undefined);
    }
    return { how: first.how, outcome };
  }
  return { how: first.how, outcome: null };
}

function stopSignal(options: ExecOptions): { promise: Promise<Supervised>; dispose(): void } {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const promise = new Promise<Supervised>((resolve) => {
    const stop = (how: Stop) => resolve({ how, outcome: null });
    if (options.timeoutMs !== undefined) timer = setTimeout(() => stop("timeout"), Math.max(0, options.timeoutMs));
    onAbort = () => stop("aborted");
    // The signal may have fired while the shell was being acquired: no event will come for it.
    if (options.signal?.aborted) stop("aborted");
    options.signal?.addEventListener("abort", onAbort, { once: true });
  });
  return {
    promise,
    dispose: () => {
      clearTimeout(timer);
      if (onAbort) options.signal?.removeEventListener("abort", onAbort);
    },
  };
}

async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  const settled = await Promise.race([promise, timeout]);
  clearTimeout(timer);
  return settled;
}

/** A shell that died with its container (removed, stopped) is an infrastructure failure. */
async function assertRunning(container: Docker.Container): Promise<void> {
  let running = false;
  try {
    running = (await engineCall("inspect", () => container.inspect())).State.Running;
  } catch (err) {
    if (!(err instanceof PatchbayError) || !isNotFound(err.cause)) throw err;
  }
  if (!running) throw new PatchbayError("sandbox_failed", "Lost the connection to a running command in the sandbox.");
}
