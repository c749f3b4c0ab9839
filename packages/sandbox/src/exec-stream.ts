import type { Duplex, Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type Docker from "dockerode";
import { SANDBOX_USER } from "./container-config.js";
import { engineCall, sandboxFailed } from "./errors.js";
import { createDemuxer, type FrameSink } from "./frames.js";

/** One process to start in a sandbox. */
export interface ExecSpec {
  cmd: string[];
  env?: string[];
  workingDir?: string;
  /** Fed to the process's stdin, which is then closed. */
  stdin?: Readable | Buffer;
  sink: FrameSink;
}

/** A started exec: `done` settles when its output ends; `exitCode()` asks the engine. */
export interface ExecHandle {
  readonly done: Promise<void>;
  /** Drops the connection (the process keeps running unless it is killed separately). */
  detach(): void;
  exitCode(): Promise<number | null>;
}

/** Starts a process as the sandbox user with stdout and stderr kept apart. */
export async function startExec(container: Docker.Container, spec: ExecSpec): Promise<ExecHandle> {
  const withStdin = spec.stdin !== undefined;
  const exec = await engineCall("exec create", () =>
    container.exec({
      Cmd: spec.cmd,
      Env: spec.env ?? [],
      User: SANDBOX_USER,
      WorkingDir: spec.workingDir,
      AttachStdin: withStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    }),
  );
  const stream = await engineCall("exec start", () => exec.start({ hijack: true, stdin: withStdin }));
  const demuxer = createDemuxer(spec.sink);
  stream.pipe(demuxer);
  const done = outputEnded(stream, demuxer);
  if (spec.stdin !== undefined) feedStdin(stream, spec.stdin);
  return { done, detach: () => stream.destroy(), exitCode: () => waitExitCode(exec) };
}

async function outputEnded(stream: Duplex, demuxer: Writable): Promise<void> {
  // A dropped connection ends the output just as surely as EOF; the exit code tells the rest.
  await finished(stream, { writable: false }).catch(() => undefined);
  if (!demuxer.writableEnded) demuxer.end();
  await finished(demuxer).catch(() => undefined);
}

function feedStdin(stream: Duplex, input: Readable | Buffer): void {
  if (Buffer.isBuffer(input)) {
    // end() half-closes the hijacked socket: the engine closes the process's stdin, output keeps flowing.
    stream.end(input);
    return;
  }
  // Dropping the connection (not ending stdin) makes the process see a cut-off input, not a short one.
  const fail = (err: Error): void => {
    stream.destroy(sandboxFailed("stdin", err));
  };
  if (input.errored || input.destroyed) {
    fail(input.errored ?? new Error("the input closed before it ended"));
    return;
  }
  input.on("error", fail);
  input.on("close", () => {
    if (!input.readableEnded) fail(new Error("the input closed before it ended"));
  });
  input.pipe(stream);
}

/** The exit code once the engine reports the process gone; null if it is still running. */
export async function waitExitCode(exec: Docker.Exec, attempts = 50): Promise<number | null> {
  for (let i = 0; i < attempts; i++) {
    const info = await engineCall("exec inspect", () => exec.inspect());
    if (!info.Running) return info.ExitCode;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}
