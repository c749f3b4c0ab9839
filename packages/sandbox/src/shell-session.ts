import { randomBytes } from "node:crypto";
import { PassThrough, type Writable } from "node:stream";
import type Docker from "dockerode";
import { startExec } from "./exec-stream.js";
import type { FrameSink, StreamName } from "./frames.js";
import { MarkerScanner } from "./marker-scanner.js";
import { KILL_SCRIPT, REQUEST_HEAD_BYTES, REQUEST_ID_DIGITS, SESSION_SCRIPT } from "./shell-script.js";

/** One command for a session: where, what, and its extra environment (`NAME=value`). */
export interface ShellRequest {
  cwd: string;
  command: string;
  env: string[];
  /** Skip the user's login profile (a Patchbay helper, not an agent's command). */
  plain?: boolean;
}

/** How a command in a session ended: its exit and the cgroup counters it moved, or the shell died. */
export type ShellOutcome =
  | { kind: "exited"; exitCode: number; pidsLimitHits: number; oomKills: number; leftovers: boolean }
  | { kind: "died" };

interface Running {
  id: string;
  scanners: Record<StreamName, MarkerScanner>;
  sink: FrameSink;
  resolve: (outcome: ShellOutcome) => void;
}

/** How a session's shell is reached: its stdin, and when its output ended. */
export interface ShellTransport {
  input: Writable;
  /** Settles when both output streams ended (the shell exited, or the connection dropped). */
  done: Promise<void>;
  /** Drops the connection (the shell then ends; a running command is killed separately). */
  detach(): void;
}

/** Starts the shell `cmd` somehow, delivering its output to `sink`. */
export type ShellConnector = (cmd: string[], sink: FrameSink) => Promise<ShellTransport>;

/** A long-lived `bash` in a sandbox that runs one command at a time, with an end marker per command. */
export class ShellSession {
  private running: Running | null = null;
  private lastId: string | undefined;
  private ended = false;

  private constructor(
    private readonly container: Docker.Container,
    private readonly transport: ShellTransport,
    private readonly pidFile: string,
  ) {
    void transport.done.then(() => this.onEnd());
  }

  /** Starts the shell on the engine's attach stream (one exec); usable as soon as this returns. */
  static start(container: Docker.Container, workingDir: string): Promise<ShellSession> {
    return ShellSession.open(container, attachConnector(container, workingDir));
  }

  /** Starts the shell through `connect` (the attach stream, or the runner's socket). */
  static async open(container: Docker.Container, connect: ShellConnector): Promise<ShellSession> {
    const pidFile = `/dev/shm/patchbay-shell-${randomBytes(6).toString("hex")}`;
    let session: ShellSession | undefined;
    const cmd = ["bash", "--noprofile", "--norc", "-c", SESSION_SCRIPT, "bash", pidFile];
    const transport = await connect(cmd, (stream, payload) => session?.onFrame(stream, payload));
    session = new ShellSession(container, transport, pidFile);
    return session;
  }

  /** True while the shell runs and no command is in flight. */
  get idle(): boolean {
    return !this.ended && this.running === null;
  }

  /** True once the shell's output ended (it exited, was killed, or the connection dropped). */
  get dead(): boolean {
    return this.ended;
  }

  /** Runs one command; output before its end markers goes to `sink`. */
  run(request: ShellRequest, sink: FrameSink): Promise<ShellOutcome> {
    if (this.ended) return Promise.resolve({ kind: "died" });
    if (this.running) throw new Error("shell session is busy");
    const id = randomBytes(REQUEST_ID_DIGITS / 2).toString("hex");
    this.lastId = id;
    const marker = Buffer.from(`\0PB:${id}`);
    return new Promise<ShellOutcome>((resolve) => {
      this.running = {
        id,
        sink,
        resolve,
        scanners: { stdout: new MarkerScanner(marker), stderr: new MarkerScanner(marker) },
      };
      this.transport.input.write(encodeRequest(id, request));
    });
  }

  /**
   * Signals the process group of the last command from a second exec (the shell itself is
   * waiting on it); the kill script checks the id, so a newer command is never hit. Retries
   * while the shell has not yet recorded the group; throws when the exec itself fails.
   */
  async signal(signal: "TERM" | "KILL"): Promise<void> {
    const id = this.lastId;
    if (id === undefined) return;
    for (let attempt = 0; attempt < 25; attempt++) {
      const handle = await startExec(this.container, {
        cmd: ["bash", "--noprofile", "--norc", "-c", KILL_SCRIPT, "patchbay-kill", this.pidFile, id, signal],
        sink: () => undefined,
      });
      await handle.done;
      const code = await handle.exitCode();
      if (code === 0) return;
      if (code !== 3) throw new Error(`the kill exec ended with ${code}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Ends the shell: stdin closes (it exits after the running command) and, if `hard`, the connection drops. */
  close(hard = false): void {
    this.transport.input.end();
    if (hard) this.transport.detach();
  }

  private onFrame(stream: StreamName, payload: Buffer): Promise<void> | undefined {
    const run = this.running;
    if (!run) return undefined; // output between commands: a straggler's, nobody's to keep
    const out = run.scanners[stream].push(payload);
    const wait = out.length > 0 ? run.sink(stream, out) : undefined;
    if (run.scanners.stdout.done && run.scanners.stderr.done) this.finish(run);
    return wait;
  }

  private finish(run: Running): void {
    this.running = null;
    run.resolve(parseOutcome(run.scanners.stdout.fields ?? ""));
  }

  private onEnd(): void {
    this.ended = true;
    const run = this.running;
    this.running = null;
    run?.resolve({ kind: "died" });
  }
}

/** The shell as one engine exec with stdin, its output on the attach stream. */
function attachConnector(container: Docker.Container, workingDir: string): ShellConnector {
  return async (cmd, sink) => {
    const input = new PassThrough();
    const handle = await startExec(container, { cmd, workingDir, stdin: input, sink });
    return { input, done: handle.done, detach: () => handle.detach() };
  };
}

/**
 * The request the session script reads: a fixed head (16 hex digits of id, the plain flag, 8 hex
 * digits of environment count) taken in one `read -N` (bash reads a delimited field a byte per
 * system call from a pipe), then the NUL-terminated cwd, command and `NAME=value` entries.
 */
export function encodeRequest(id: string, request: ShellRequest): Buffer {
  const head = `${id}${request.plain ? "1" : "0"}${request.env.length.toString(16).padStart(8, "0")}`;
  // A head of another size would leave the subshell waiting for bytes that never come.
  if (head.length !== REQUEST_HEAD_BYTES || !/^[0-9a-f]+$/.test(head)) {
    throw new Error(`shell request head must be ${REQUEST_HEAD_BYTES} hex digits, got "${head}"`);
  }
  const fields = [request.cwd, request.command, ...request.env];
  return Buffer.from(`${head}${fields.join("\0")}\0`, "utf8");
}

/** Reads `:exit:pidsHits:oomKills:leftovers` from the stdout marker line. */
export function parseOutcome(fields: string): ShellOutcome {
  const [exit, pids, oom, left] = fields.replace(/^:/, "").split(":").map(Number);
  if (exit === undefined || !Number.isInteger(exit)) return { kind: "died" };
  return {
    kind: "exited",
    exitCode: exit,
    pidsLimitHits: Math.max(0, pids || 0),
    oomKills: Math.max(0, oom || 0),
    leftovers: left === 1,
  };
}
