/**
 * What the agent and the checks may do inside a job's sandbox. The sandbox package implements
 * it; the agent and checks packages depend only on this interface.
 */
export interface Workspace {
  /** Absolute path of the repository checkout inside the sandbox. */
  readonly root: string;
  /** Runs a shell command (bash -lc) in the sandbox. Never throws for a non-zero exit. */
  exec(command: string, options?: ExecOptions): Promise<ExecResult>;
  /**
   * Reads a file relative to root; null when it does not exist. With `maxBytes`, at most that
   * many bytes (the file's head): ask for one more than you keep to tell a longer file apart.
   */
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer | null>;
  /** Writes a file relative to root, creating parent folders. */
  writeFile(path: string, content: Buffer | string): Promise<void>;
  /** Deletes a file relative to root. */
  deleteFile(path: string): Promise<void>;
}

/** How much of a file to read. */
export interface ReadFileOptions {
  /** Read at most this many bytes; a bigger file is never read whole (not into memory, not off disk). */
  maxBytes?: number;
}

export interface ExecOptions {
  /** Working directory, relative to the workspace root or absolute. */
  cwd?: string;
  /** Kill the command after this long; the result says timedOut. */
  timeoutMs?: number;
  /** Extra environment for this command only. */
  env?: Record<string, string>;
  /** Called with output chunks while the command runs. */
  onOutput?: (stream: "stdout" | "stderr", text: string) => void;
  /** Aborts the command (cancellation). */
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
  /** Bytes dropped from the middle of stdout+stderr because of the output cap. */
  truncatedBytes: number;
  /**
   * Why the command did not end normally, when the sandbox can tell: the memory limit (`oom`),
   * the process limit (`pids_limit`), the workspace size limit (`disk_limit`), the time-out
   * (`timeout`) or a signal (`killed`). Absent for an ordinary exit, zero or not.
   */
  reason?: "oom" | "pids_limit" | "disk_limit" | "timeout" | "killed";
}
