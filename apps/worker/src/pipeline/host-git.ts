import { launchHost } from "../host-process/launch.js";
import { type HostProcess, killGroup } from "../host-process/launcher.js";

/** How a host git command is run: where, for how long, with what environment. */
export interface HostGitOptions {
  cwd?: string;
  timeoutMs: number;
  env: Record<string, string>;
  signal?: AbortSignal;
  /** Called with each stdout chunk; return false to stop the command early (it is killed). */
  onStdout?: (chunk: Buffer) => boolean;
  /** Largest stdout kept for the result (default 16 MiB); more ends the command. */
  maxStdoutBytes?: number;
  /** Written to git's stdin, which is then closed (default: nothing, closed at once). */
  input?: string;
}

/** What a host git command printed; thrown (with `stderr`) when it failed, timed out or was stopped. */
export interface HostGitResult {
  stdout: string;
  stderr: string;
}

/** A failed host git command, shaped like execFile's errors (`stderr`, `killed`). */
export class HostGitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly killed: boolean,
  ) {
    super(message);
    this.name = "HostGitError";
  }
}

/**
 * Runs git on the host in a process group of its own (through the host launcher: a fork from the
 * worker itself blocks its event loop ~20 ms here). A time-out or an abort kills the whole group:
 * git's helpers (ssh, a credential helper, a remote helper) die with it instead of living on as
 * orphans, as they would after killing git alone.
 */
export async function runHostGit(args: string[], options: HostGitOptions): Promise<HostGitResult> {
  let child: HostProcess;
  try {
    const stdin = options.input !== undefined;
    child = await launchHost("git", args, { ...(options.cwd ? { cwd: options.cwd } : {}), env: options.env, stdin });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new HostGitError(`git ${args[0]}: ${message}`, message, false);
  }
  return collectGit(child, args, options);
}

/** Waits for a started git: its stdout (within the limits), or a HostGitError saying why not. */
function collectGit(child: HostProcess, args: string[], options: HostGitOptions): Promise<HostGitResult> {
  return new Promise((resolve, reject) => {
    // git may exit before reading it all (a bad object): its stdin's EPIPE is not the error.
    child.stdin?.on("error", () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let stopped: string | null = null;
    const maxOut = options.maxStdoutBytes ?? 16 * 1024 * 1024;
    const stop = (why: string) => {
      stopped ??= why;
      killGroup(child.pid, "SIGKILL");
    };
    const timer = setTimeout(() => stop(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => stop("aborted");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      if (options.onStdout && !options.onStdout(chunk)) return stop("stopped");
      outBytes += chunk.length;
      if (outBytes > maxOut) return stop(`printed more than ${maxOut} bytes`);
      if (!options.onStdout) out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(chunk);
    });
    void child.closed.then(({ code, signal }) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // Whatever the group left (a helper that ignored the end of git) goes too.
      if (stopped === null) stop("done");
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0 && stopped === "done") return resolve({ stdout, stderr });
      const why = stopped && stopped !== "done" ? stopped : `exited with ${code ?? signal}`;
      const text = stopped && stopped !== "done" ? `${stderr}\ngit ${args[0]} ${why}` : stderr;
      reject(new HostGitError(`git ${args[0]} ${why}`, text, stopped !== null && stopped !== "done"));
    });
  });
}
