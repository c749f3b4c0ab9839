import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import { LAUNCHER_SOURCE } from "./launcher-source.js";

/** How a host process starts. */
export interface LaunchOptions {
  cwd?: string;
  env: Record<string, string>;
  /** Give it a stdin to write to (else it reads nothing). */
  stdin?: boolean;
}

/** How a host process ended. */
export interface HostExit {
  code: number | null;
  signal: string | null;
}

/** A started host process, in a process group of its own. */
export interface HostProcess {
  pid: number;
  stdin: Socket | null;
  stdout: Socket;
  stderr: Socket;
  /** Its exit, once it has exited and its stdout and stderr have ended. */
  closed: Promise<HostExit>;
  /** Whether it has exited. */
  readonly exited: boolean;
}

const ID_BYTES = 16;
const HEADER = ID_BYTES * 2 + 1;

interface Pending {
  id: string;
  streams: Map<string, Socket>;
  wanted: number;
  pid?: number;
  exit?: HostExit;
  settle: (error: Error | null) => void;
  onExit: (exit: HostExit) => void;
}

type LauncherMessage =
  | { id: string; kind: "fault"; message: string }
  | { id: string; kind: "spawned"; pid: number }
  | { id: string; kind: "exit"; code: number | null; signal: string | null }
  | { id: string; kind: "error"; message: string; code?: string };

/**
 * Starts host processes (git) from a small helper process instead of the worker's own: a fork
 * copies the forking process's memory map, which here costs ~5 ms from a 45 MB process and
 * ~23 ms from a 360 MB one, all of it blocking the worker's event loop. The helper is started
 * once; the processes' stdin, stdout and stderr are sockets straight to the worker.
 */
export class HostLauncher {
  private readonly pending = new Map<string, Pending>();
  private retired = false;
  private readonly running = new Map<string, Pending>();

  private constructor(
    private readonly helper: ChildProcess,
    private readonly server: Server,
    /** The private folder of the socket the helper connects back to. */
    readonly socketDir: string,
  ) {
    // A worker that ends without closing it leaves no folder behind.
    process.once("exit", this.removeDir);
    server.on("connection", (socket) => void this.adopt(socket));
    helper.on("message", (m: LauncherMessage) => this.onMessage(m));
    helper.once("exit", () => this.helperGone());
    // A failed kill or send is seen through its exit or the send's callback; unheard, the event would end the worker.
    helper.on("error", () => undefined);
  }

  /** Starts the helper and the socket it connects back to. */
  static async start(): Promise<HostLauncher> {
    const dir = mkdtempSync(path.join(tmpdir(), "pb-launch-"));
    const socketPath = path.join(dir, "s");
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, () => resolve());
    });
    const helper = spawn(process.execPath, ["-e", LAUNCHER_SOURCE, socketPath], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env: {},
    });
    await new Promise<void>((resolve, reject) => {
      helper.once("spawn", resolve);
      helper.once("error", reject);
    }).catch((err: unknown) => {
      server.close();
      rmSync(dir, { recursive: true, force: true });
      throw err;
    });
    // An idle launcher keeps no process alive (see hold); the helper ends when the worker does.
    helper.unref();
    helper.channel?.unref();
    server.unref();
    return new HostLauncher(helper, server, dir);
  }

  /** Whether the helper still runs and was not retired (a launcher that is not alive is replaced). */
  get alive(): boolean {
    return !this.retired && this.helper.exitCode === null && this.helper.signalCode === null && this.helper.connected;
  }

  /** Takes no new launches; the helper goes once what it started has ended. */
  retire(): void {
    this.retired = true;
    if (this.running.size + this.pending.size === 0) this.close();
  }

  /** Starts `file` with `args`; rejects when it cannot start (no such program, the helper died). */
  launch(file: string, args: string[], options: LaunchOptions): Promise<HostProcess> {
    const id = randomBytes(ID_BYTES).toString("hex");
    const stdin = options.stdin === true;
    return new Promise((resolve, reject) => {
      let exited: (exit: HostExit) => void = () => undefined;
      const exit = new Promise<HostExit>((r) => {
        exited = r;
      });
      const entry: Pending = {
        id,
        streams: new Map(),
        wanted: stdin ? 3 : 2,
        onExit: (e) => exited(e),
        settle: (error) => {
          this.pending.delete(id);
          if (error) {
            this.hold();
            if (this.retired) this.retire();
            for (const socket of entry.streams.values()) socket.destroy();
            return reject(error);
          }
          this.running.set(id, entry);
          resolve(
            started(entry, exit, () => {
              this.running.delete(id);
              this.hold();
              if (this.retired) this.retire();
            }),
          );
        },
      };
      this.pending.set(id, entry);
      this.hold();
      const request = { id, file, args, cwd: options.cwd, env: options.env, stdin };
      this.helper.send(request, (err) => {
        if (err) this.fail(id, new LauncherFault(err.message));
      });
    });
  }

  /** Stops the helper and removes its socket (tests; a worker's ends with the process). */
  close(): void {
    this.helper.kill("SIGKILL");
    this.server.close();
    this.removeDir();
  }

  private readonly removeDir = (): void => {
    process.off("exit", this.removeDir);
    rmSync(this.socketDir, { recursive: true, force: true });
  };

  /** Reads a connection's header (its launch and stream) and files it under its launch. */
  private async adopt(socket: Socket): Promise<void> {
    socket.on("error", () => undefined);
    const header = await readHeader(socket);
    const entry = header ? this.pending.get(header.slice(0, ID_BYTES * 2)) : undefined;
    if (!header || !entry) return void socket.destroy();
    entry.streams.set(header.slice(-1), socket);
    this.ready(entry);
  }

  private onMessage(m: LauncherMessage): void {
    const entry = this.pending.get(m.id) ?? this.running.get(m.id);
    if (!entry) return;
    if (m.kind === "error" || m.kind === "fault") {
      const error = m.kind === "fault" ? new LauncherFault(m.message) : launchFailed("the process", m.message, m.code);
      this.fail(m.id, error);
      return;
    }
    if (m.kind === "spawned") entry.pid = m.pid;
    else entry.onExit({ code: m.code, signal: m.signal });
    this.ready(entry);
  }

  /** Keeps the process alive while a launch is under way or a launched process runs, not longer. */
  private hold(): void {
    const busy = this.pending.size + this.running.size > 0;
    const handles = [this.helper.channel, this.server];
    for (const handle of handles) {
      if (busy) handle?.ref();
      else handle?.unref();
    }
  }

  private ready(entry: Pending): void {
    if (entry.pid !== undefined && entry.streams.size === entry.wanted && this.pending.has(entry.id))
      entry.settle(null);
  }

  private fail(id: string, error: Error): void {
    this.pending.get(id)?.settle(error);
  }

  /** The helper died: launches under way fail; started processes are killed (their group), their ends reported. */
  private helperGone(): void {
    for (const [id] of this.pending) this.fail(id, new LauncherFault("the launcher process ended"));
    for (const entry of this.running.values()) {
      if (entry.pid !== undefined) killGroup(entry.pid, "SIGKILL");
      entry.onExit({ code: null, signal: "SIGKILL" });
    }
    this.running.clear();
    this.hold();
    this.server.close();
    this.removeDir();
  }
}

/** The process as callers see it: closed once it exited and both outputs ended. */
function started(entry: Pending, exit: Promise<HostExit>, forget: () => void): HostProcess {
  const stdout = entry.streams.get("1")!;
  const stderr = entry.streams.get("2")!;
  const ended = (s: Socket) => new Promise<void>((r) => (s.destroyed || s.readableEnded ? r() : s.once("close", r)));
  let hasExited = false;
  void exit.then(() => {
    hasExited = true;
  });
  const closed = Promise.all([exit, ended(stdout), ended(stderr)]).then(([e]) => {
    forget();
    return e;
  });
  return {
    pid: entry.pid!,
    stdin: entry.streams.get("0") ?? null,
    stdout,
    stderr,
    closed,
    get exited() {
      return hasExited;
    },
  };
}

/** The first HEADER bytes of a connection (its launch id and stream), the rest left unread; null if it ends first. */
function readHeader(socket: Socket): Promise<string | null> {
  return new Promise((resolve) => {
    const attempt = () => {
      const chunk = socket.read(HEADER) as Buffer | null;
      if (chunk === null) return;
      socket.off("readable", attempt);
      resolve(chunk.toString("latin1"));
    };
    socket.on("readable", attempt);
    socket.once("end", () => resolve(null));
    socket.once("close", () => resolve(null));
  });
}

/** Sends `signal` to the process group `pid` leads (already gone is fine). */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The launcher itself failed (not the program): the caller starts the process another way. */
export class LauncherFault extends Error {
  constructor(message: string) {
    super(`the host launcher failed: ${message}`);
    this.name = "LauncherFault";
  }
}

function launchFailed(file: string, message: string, code?: string): PatchbayError {
  return new PatchbayError("internal", `could not start ${file}: ${code ? `${code}: ` : ""}${message}`);
}
