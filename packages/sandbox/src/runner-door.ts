import { randomBytes } from "node:crypto";
import { chmod, mkdir, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";

/** Where the runner's pieces appear inside a sandbox (both bind-mounted read-only). */
export const RUNNER_PATHS = {
  /** The sandbox's own host folder holding `run.sock`. */
  socketDir: "/run/patchbay/runner",
  socket: "/run/patchbay/runner/run.sock",
  /** The static runner binary (runner/sandbox-runner.c). */
  binary: "/run/patchbay/bin/sandbox-runner",
} as const;

const SOCKET_NAME = "run.sock";
/** The folder in a runner's host folder that the worker may lend into a running sandbox. */
const LEND_FOLDER = "lend";
const TOKEN_CHARS = 32;
const HELLO_BYTES = TOKEN_CHARS + 1;
// A sandbox process may connect too; it cannot hold more than this many unannounced connections.
const MAX_UNANNOUNCED = 16;
const HELLO_TIMEOUT_MS = 2000;

/** The three connections of one runner: the shell's stdin, stdout and stderr. */
export interface RunnerStreams {
  stdin: Socket;
  stdout: Socket;
  stderr: Socket;
}

type Role = "i" | "o" | "e";

interface Pending {
  got: Partial<Record<Role, Socket>>;
  resolve: (streams: RunnerStreams) => void;
}

/** A wait for one runner's connections; `cancel()` forgets the token and closes what arrived. */
export interface RunnerWait {
  promise: Promise<RunnerStreams>;
  cancel(): void;
}

/**
 * One sandbox's unix socket on the host (`run.sock` in a folder of its own, bind-mounted at
 * RUNNER_PATHS.socketDir). It only accepts connections announcing a token it is waiting for;
 * anything else is dropped. Never shared between sandboxes.
 */
export class RunnerDoor {
  private readonly pending = new Map<string, Pending>();
  private readonly sockets = new Set<Socket>();
  private unannounced = 0;
  private closing: Promise<void> | undefined;

  private constructor(
    /** The host folder mounted into the sandbox. */
    readonly hostDir: string,
    private readonly server: Server,
    private readonly onClosed: () => void,
  ) {}

  /** The folder mounted read-write at the lend target (see `mounts`): the sandbox user may not write it until lent. */
  get lendDir(): string {
    return join(this.hostDir, LEND_FOLDER);
  }

  /** Makes a fresh folder under `root` (with its lend folder) and listens in it. */
  static async open(root: string, onClosed: () => void = () => undefined): Promise<RunnerDoor> {
    await mkdir(root, { recursive: true, mode: 0o711 });
    const hostDir = join(root, randomBytes(12).toString("hex"));
    // 0711: the sandbox user (another uid) reaches the socket by name but cannot list the folder.
    await mkdir(hostDir, { mode: 0o711 });
    await chmod(hostDir, 0o711);
    // 0755 and the worker's: mounted read-write, yet unwritable for the sandbox until the worker lends it.
    await mkdir(join(hostDir, LEND_FOLDER), { mode: 0o755 });
    await chmod(join(hostDir, LEND_FOLDER), 0o755);
    let door: RunnerDoor | undefined;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (s) => door?.accept(s));
    door = new RunnerDoor(hostDir, server, onClosed);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(join(hostDir, SOCKET_NAME), () => {
          server.off("error", reject);
          resolve();
        });
      });
      // Connecting to a unix socket needs write permission on it, and the sandbox runs as uid 1000.
      await chmod(join(hostDir, SOCKET_NAME), 0o666);
    } catch (err) {
      await door.close();
      throw err;
    }
    return door;
  }

  /** The Engine API mounts: this folder and the runner binary, read-only; the lend folder at `lendTarget`. */
  mounts(
    binaryPath: string,
    lendTarget?: string,
  ): Array<{ Type: "bind"; Source: string; Target: string; ReadOnly: boolean }> {
    return [
      { Type: "bind", Source: this.hostDir, Target: RUNNER_PATHS.socketDir, ReadOnly: true },
      { Type: "bind", Source: binaryPath, Target: RUNNER_PATHS.binary, ReadOnly: true },
      ...(lendTarget ? [{ Type: "bind" as const, Source: this.lendDir, Target: lendTarget, ReadOnly: false }] : []),
    ];
  }

  /** Waits for the three connections announcing `token` (32 hex characters). */
  expect(token: string): RunnerWait {
    let entry: Pending | undefined;
    const promise = new Promise<RunnerStreams>((resolve) => {
      entry = { got: {}, resolve };
      this.pending.set(token, entry);
    });
    const cancel = () => {
      if (this.pending.get(token) !== entry) return;
      this.pending.delete(token);
      for (const s of Object.values(entry?.got ?? {})) s.destroy();
    };
    return { promise, cancel };
  }

  /** Stops listening, drops every connection and removes the folder; safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.pending.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.hostDir, { recursive: true, force: true }).catch(() => undefined);
    this.onClosed();
  }

  private accept(socket: Socket): void {
    if (this.closing || this.unannounced >= MAX_UNANNOUNCED) {
      socket.destroy();
      return;
    }
    this.unannounced++;
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
    let hello = Buffer.alloc(0);
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      this.unannounced--;
      socket.off("data", onData);
    };
    const onData = (chunk: Buffer) => {
      hello = Buffer.concat([hello, chunk]);
      if (hello.length < HELLO_BYTES) return;
      done();
      socket.pause();
      const rest = hello.subarray(HELLO_BYTES);
      if (rest.length > 0) socket.unshift(rest);
      this.announce(
        socket,
        hello.subarray(0, TOKEN_CHARS).toString("latin1"),
        hello.toString("latin1", TOKEN_CHARS, HELLO_BYTES),
      );
    };
    socket.on("data", onData);
    socket.once("close", () => {
      if (hello.length < HELLO_BYTES) done();
    });
    socket.on("error", () => undefined);
    socket.resume();
  }

  private announce(socket: Socket, token: string, role: string): void {
    const entry = this.pending.get(token);
    if (!entry || !isRole(role) || entry.got[role]) {
      socket.destroy();
      return;
    }
    entry.got[role] = socket;
    const { i, o, e } = entry.got;
    if (!i || !o || !e) return;
    // Single use: the token is spent once its three streams are in.
    this.pending.delete(token);
    entry.resolve({ stdin: i, stdout: o, stderr: e });
  }
}

function isRole(value: string): value is Role {
  return value === "i" || value === "o" || value === "e";
}
