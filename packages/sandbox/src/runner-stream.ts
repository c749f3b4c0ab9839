import { randomBytes } from "node:crypto";
import type { Socket } from "node:net";
import { PassThrough, type Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { PatchbayError } from "@patchbay/core";
import { shellQuote } from "./command.js";
import { sandboxFailed } from "./errors.js";
import type { FrameSink } from "./frames.js";
import { RUNNER_PATHS, type RunnerStreams } from "./runner-door.js";
import { TextCollector } from "./shell-file-ops.js";
import type { ShellLease, ShellPool } from "./shell-pool.js";
import type { ShellOutcome } from "./shell-session.js";

/** How long a runner started from a shell gets to connect before the caller uses an engine exec. */
const CONNECT_TIMEOUT_MS = 5000;
const STDERR_KEEP = 16 * 1024;

/** A process behind the sandbox's runner: stdin and stdout are sockets to the worker. */
export interface RunnerProcess {
  stdin: Socket;
  stdout: Socket;
  /** Its exit code (null: the shell died under it) and the start of its stderr. */
  exited: Promise<{ exitCode: number | null; stderr: string }>;
}

/**
 * Starts `argv` (no shell) from one of the sandbox's persistent shells behind its runner, so its
 * stdin and stdout are unix sockets to the worker: no engine exec (about 90 ms on this host) and
 * none of the engine's copying on the data's path. Null when the sandbox has no working runner, no
 * shell can be lent, or the runner did not connect: nothing was read or written then, so the caller
 * can still take an engine exec.
 */
export async function startBehindRunner(shells: ShellPool, cwd: string, argv: string[]): Promise<RunnerProcess | null> {
  // Without a runner, lending a shell would only wait for one to start.
  if (shells.transport !== "socket") return null;
  const lease = await shells.lend().catch(() => null);
  if (lease === null) return null;
  const token = randomBytes(16).toString("hex");
  const wait = shells.expectRunner(token);
  if (wait === null) {
    shells.release(lease, true);
    return null;
  }
  const said = new TextCollector(STDERR_KEEP);
  const command = `exec ${[RUNNER_PATHS.binary, RUNNER_PATHS.socket, ...argv].map(shellQuote).join(" ")}`;
  const sink: FrameSink = (_stream, payload) => {
    said.push(payload);
    return undefined;
  };
  const run = lease.session.run({ cwd, command, env: [`PATCHBAY_RUNNER_TOKEN=${token}`], plain: true }, sink);
  const streams = await connected(wait.promise, run);
  if (!("stdin" in streams)) {
    wait.cancel();
    await giveBack(shells, lease, run, streams);
    return null;
  }
  for (const s of [streams.stdin, streams.stdout, streams.stderr]) s.on("error", () => undefined);
  const stderr = new TextCollector(STDERR_KEEP);
  // The door hands its sockets over paused; a 'data' listener alone does not resume them.
  streams.stderr.on("data", (chunk: Buffer) => stderr.push(chunk)).resume();
  const exited = run.then(async (outcome) => {
    shells.release(lease, outcome.kind === "exited" && !outcome.leftovers);
    await finished(streams.stderr, { writable: false }).catch(() => undefined);
    const exitCode = outcome.kind === "exited" ? outcome.exitCode : null;
    return { exitCode, stderr: `${said.text()}${stderr.text()}`.trim() };
  });
  return { stdin: streams.stdin, stdout: streams.stdout, exited };
}

/** The stdout of a process behind the runner as a stream that errors unless it exits 0. */
export function outputOf(proc: RunnerProcess, what: string): Readable {
  const out = new PassThrough();
  proc.stdin.end();
  proc.stdout.pipe(out, { end: false });
  // The consumer gave up: closing the socket ends the process on its next write (EPIPE).
  out.on("close", () => proc.stdout.destroy());
  const drained = finished(proc.stdout, { writable: false }).catch(() => undefined);
  void Promise.all([proc.exited, drained]).then(([{ exitCode, stderr }]) => {
    if (exitCode === 0) out.end();
    else out.destroy(exitFailed(what, exitCode, stderr));
  });
  return out;
}

/** Feeds `input` to a process behind the runner; throws sandbox_failed on a failing source or a non-zero exit. */
export async function feedTo(proc: RunnerProcess, input: Readable, what: string): Promise<void> {
  proc.stdout.resume();
  let sourceError: Error | undefined;
  const cut = (err: Error) => {
    sourceError ??= err;
    // A closed socket reads as the end of input: the error below is what tells the caller.
    proc.stdin.destroy();
  };
  if (input.errored || input.destroyed) cut(input.errored ?? new Error("the input closed before it ended"));
  else {
    input.once("error", cut);
    input.once("close", () => {
      if (!input.readableEnded) cut(new Error("the input closed before it ended"));
    });
    input.pipe(proc.stdin);
  }
  const { exitCode, stderr } = await proc.exited;
  if (sourceError) throw sandboxFailed(`${what} (source)`, sourceError);
  if (exitCode !== 0) throw exitFailed(what, exitCode, stderr);
}

function exitFailed(what: string, exitCode: number | null, stderr: string): PatchbayError {
  const code = exitCode === null ? "the shell died" : `exit ${exitCode}`;
  return new PatchbayError("sandbox_failed", `${what} failed (${code}): ${stderr.slice(-500)}`);
}

/** The runner's connections; or why there are none: its command ended first, or the deadline passed. */
async function connected(
  streams: Promise<RunnerStreams>,
  run: Promise<ShellOutcome>,
): Promise<RunnerStreams | { failed: "ended" | "late" }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ failed: "late" }>((resolve) => {
    timer = setTimeout(() => resolve({ failed: "late" }), CONNECT_TIMEOUT_MS);
  });
  const ended = run.then(() => ({ failed: "ended" as const }));
  try {
    return await Promise.race([streams, ended, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A runner that never connected: a command still running is killed; the shell is given back. */
async function giveBack(
  shells: ShellPool,
  lease: ShellLease,
  run: Promise<ShellOutcome>,
  why: { failed: "ended" | "late" },
): Promise<void> {
  if (why.failed === "late") await shells.signal(lease.session, "KILL").catch(() => undefined);
  const outcome = await run;
  shells.release(lease, why.failed === "ended" && outcome.kind === "exited" && !outcome.leftovers);
}
