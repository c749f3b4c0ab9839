import { spawn } from "node:child_process";

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
 * Runs git on the host in a process group of its own. A time-out or an abort kills the whole
 * group: git's helpers (ssh, a credential helper, a remote helper) die with it instead of
 * living on as orphans, as they would after killing git alone.
 */
export function runHostGit(args: string[], options: HostGitOptions): Promise<HostGitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    // git may exit before reading it all (a bad object): its stdin's EPIPE is not the error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let stopped: string | null = null;
    const maxOut = options.maxStdoutBytes ?? 16 * 1024 * 1024;
    const killGroup = (why: string) => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => killGroup(`timed out after ${options.timeoutMs} ms`), options.timeoutMs);
    const onAbort = () => killGroup("aborted");
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    child.stdout.on("data", (chunk: Buffer) => {
      if (options.onStdout && !options.onStdout(chunk)) return killGroup("stopped");
      outBytes += chunk.length;
      if (outBytes > maxOut) return killGroup(`printed more than ${maxOut} bytes`);
      if (!options.onStdout) out.push(chunk);
    });
    child.stderr.on("data", (chunk: Buffer) => {
      if (err.reduce((n, b) => n + b.length, 0) < 64 * 1024) err.push(chunk);
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      reject(new HostGitError(`git ${args[0]}: ${e.message}`, e.message, false));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // Whatever the group left (a helper that ignored the end of git) goes too.
      if (stopped === null) killGroup("done");
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0 && stopped === "done") return resolve({ stdout, stderr });
      const why = stopped && stopped !== "done" ? stopped : `exited with ${code ?? signal}`;
      const text = stopped && stopped !== "done" ? `${stderr}\ngit ${args[0]} ${why}` : stderr;
      reject(new HostGitError(`git ${args[0]} ${why}`, text, stopped !== null && stopped !== "done"));
    });
  });
}
