import type { Writable } from "node:stream";
import { HOST_DEADLINE_MS, type RawResult, TIMED_OUT } from "./file-ops.js";
import type { FrameSink } from "./frames.js";
import { RUNNER_PATHS } from "./runner-door.js";
import type { ShellPool } from "./shell-pool.js";
import type { ShellTransport } from "./shell-session.js";

/** A server that died (an agent's `kill -9 -1`) is started again this many times per sandbox at most. */
const MAX_STARTS = 3;
const ALL_BYTES = 0xffff_ffff_ffff_ffffn;
const FRAME_HEAD = 5;
/** The server's limit (MAX_PATH_BYTES in sandbox-runner.c, PATH_MAX): a longer path would end it. */
const MAX_PATH_BYTES = 4096;

type Op = "r" | "w" | "d";

interface Pending {
  resolve: (result: RawResult | null) => void;
  data: Buffer[];
  timer: NodeJS.Timeout;
}

/**
 * The sandbox's file server (runner/sandbox-runner.c `--serve-files`): reads, writes and deletes
 * with plain system calls in a small process behind the runner, started in an exec of its own
 * with the sandbox's shells, so no file operation needs a shell script or a tool process. While
 * none runs (starting, or killed by a command) the shell scripts answer; every answer is the one
 * they would give (RawResult).
 */
export class FileServerLink {
  private server: FileServer | null = null;
  private starting = false;
  private starts = 0;
  private closed = false;

  constructor(private readonly shells: ShellPool) {}

  /** Starts the server in the background (when none runs); the sandbox's first file operation need not wait. */
  warm(): void {
    if (this.closed || this.starting || this.starts >= MAX_STARTS || this.server?.dead === false) return;
    const server = new FileServer();
    const started = this.shells.startHelper([RUNNER_PATHS.binary, "--serve-files"], server.sink);
    if (!started) return;
    this.starting = true;
    this.starts++;
    void started
      .then((transport) => {
        if (this.closed) transport.detach();
        else this.server = server.attach(transport);
      })
      .catch(() => undefined)
      .finally(() => {
        this.starting = false;
      });
  }

  /** Reads at most `maxBytes` (all when undefined); null when no server answered. */
  read(path: string, maxBytes: number | undefined): Promise<RawResult | null> {
    const most =
      maxBytes === undefined || !Number.isFinite(maxBytes) ? ALL_BYTES : BigInt(Math.max(0, Math.floor(maxBytes)));
    return this.request("r", path, most);
  }

  /** Replaces (or creates, with its folders) the file with `data`; null when no server answered. */
  write(path: string, data: Buffer): Promise<RawResult | null> {
    return this.request("w", path, BigInt(data.length), data);
  }

  /** Deletes a file (a missing one is fine; a folder is refused); null when no server answered. */
  delete(path: string): Promise<RawResult | null> {
    return this.request("d", path, 0n);
  }

  /** Drops the connection (the server ends); the sandbox is going away. */
  close(): void {
    this.closed = true;
    this.server?.close();
    this.server = null;
  }

  /** Null when no server runs (yet) or it died before answering: every operation is safe to run again elsewhere. */
  private async request(op: Op, path: string, arg: bigint, data?: Buffer): Promise<RawResult | null> {
    const server = this.server;
    // The scripts answer what the server cannot take (and say ENAMETOOLONG as they would).
    if (Buffer.byteLength(path, "utf8") > MAX_PATH_BYTES) return null;
    if (server && !server.dead) return server.request(op, path, arg, data);
    this.warm();
    return null;
  }
}

/** One connection to a running file server: one request at a time, answers parsed from frames. */
class FileServer {
  dead = false;
  private transport: ShellTransport | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Pending | null = null;
  private buffered: Buffer = Buffer.alloc(0);

  /** Where the server's output goes: its stdout carries the frames, its stderr nothing we need. */
  readonly sink: FrameSink = (stream, payload) => {
    if (stream === "stdout") this.onData(payload);
    return undefined;
  };

  /** Takes the started server's connection; it is dead once its output ends. */
  attach(transport: ShellTransport): this {
    this.transport = transport;
    transport.input.on("error", () => this.fail());
    void transport.done.then(() => this.fail());
    return this;
  }

  request(op: Op, path: string, arg: bigint, data?: Buffer): Promise<RawResult | null> {
    const run = this.queue.then(() => this.send(op, path, arg, data));
    this.queue = run;
    return run;
  }

  close(): void {
    this.fail();
  }

  private send(op: Op, path: string, arg: bigint, data?: Buffer): Promise<RawResult | null> {
    const input: Writable | undefined = this.transport?.input;
    if (this.dead || !input) return Promise.resolve(null);
    const name = Buffer.from(path, "utf8");
    const head = Buffer.alloc(13);
    head.write(op, 0, "latin1");
    head.writeUInt32BE(name.length, 1);
    head.writeBigUInt64BE(arg, 5);
    return new Promise((resolve) => {
      // A stuck filesystem: answered as the scripts' `timeout` would, and this server is done.
      const timer = setTimeout(() => {
        this.pending = null;
        resolve({ exitCode: TIMED_OUT, stdout: Buffer.alloc(0), stderr: "" });
        this.fail();
      }, HOST_DEADLINE_MS);
      this.pending = { resolve, data: [], timer };
      input.write(Buffer.concat([head, name]));
      if (data && data.length > 0) input.write(data);
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= FRAME_HEAD) {
      const size = this.buffered.readUInt32BE(1);
      if (this.buffered.length < FRAME_HEAD + size) return;
      const type = this.buffered.toString("latin1", 0, 1);
      const payload = this.buffered.subarray(FRAME_HEAD, FRAME_HEAD + size);
      this.buffered = this.buffered.subarray(FRAME_HEAD + size);
      this.onFrame(type, payload);
    }
  }

  private onFrame(type: string, payload: Buffer): void {
    const pending = this.pending;
    if (!pending || (type !== "d" && type !== "e") || (type === "e" && payload.length === 0)) {
      this.fail(); // an answer nobody asked for, or not one: the protocol is off
      return;
    }
    if (type === "d") {
      pending.data.push(Buffer.from(payload));
      return;
    }
    this.pending = null;
    clearTimeout(pending.timer);
    const status = payload[0] ?? 1;
    const stdout = status === 0 ? Buffer.concat(pending.data) : Buffer.alloc(0);
    pending.resolve({ exitCode: status, stdout, stderr: payload.subarray(1).toString("utf8") });
  }

  private fail(): void {
    if (this.dead) return;
    this.dead = true;
    this.transport?.detach();
    const pending = this.pending;
    this.pending = null;
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve(null);
    }
  }
}
