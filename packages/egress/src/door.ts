import { chmod, rm } from "node:fs/promises";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { type DoorRuntime, endSoon, Flow, rawResponse } from "./flow.js";
import { forwardHttp } from "./http-forward.js";
import { type CompiledPolicy, checkPolicy, compilePolicy } from "./policy.js";
import { SOCKET_NAME } from "./sandbox-env.js";
import { type Dialed, type DialSettings, dial } from "./target.js";
import { openTunnel } from "./tunnel.js";
import type { DoorCounts, DoorOptions, DoorPolicy, EgressEvent, EgressLogger } from "./types.js";

/** Settings a door takes from its proxy. */
export interface DoorContext {
  dial: DialSettings;
  idleTimeoutMs: number;
  logger: EgressLogger | undefined;
  onClosed: (door: EgressDoor) => void;
}

/**
 * One sandbox's way out: a unix socket `proxy.sock` in `hostDir` (bind-mount `hostDir` at
 * SANDBOX_EGRESS.socketDir). It speaks HTTP proxy (absolute-URI and CONNECT) under its own policy.
 */
export class EgressDoor implements DoorRuntime {
  readonly id: string;
  /** The host directory holding `proxy.sock`; removed by close(). */
  readonly hostDir: string;
  readonly socketPath: string;
  readonly idleTimeoutMs: number;
  private policy: CompiledPolicy;
  private readonly flows = new Set<Flow>();
  private readonly sockets = new Set<Socket>();
  private readonly totals: DoorCounts = { allowed: 0, denied: 0, bytesUp: 0, bytesDown: 0 };
  private readonly net: Server;
  private readonly http: HttpServer;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: DoorOptions,
    hostDir: string,
    private readonly ctx: DoorContext,
  ) {
    this.id = options.id;
    this.hostDir = hostDir;
    this.socketPath = join(hostDir, SOCKET_NAME);
    this.idleTimeoutMs = ctx.idleTimeoutMs;
    this.policy = compilePolicy(options);
    this.http = createHttpServer((req, res) => {
      void forwardHttp(req, res, this);
    });
    // The HTTP server never listens itself (connections come from `net` below), so its
    // request/headers timeout checks never run: the socket idle timeout bounds every client.
    this.http.timeout = ctx.idleTimeoutMs;
    this.http.on("connect", (req, socket, head) => {
      void openTunnel(req, socket as Socket, head, this);
    });
    this.http.on("clientError", (_err, socket) => socket.destroy());
    // Our own listener in front of the HTTP server: it counts connections and refuses past the cap.
    this.net = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; the socket is made connectable for the sandbox's uid. */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.net.once("error", reject);
      this.net.listen(this.socketPath, () => {
        this.net.off("error", reject);
        resolve();
      });
    });
    // The sandbox runs as another uid: connecting to a unix socket needs write permission on it.
    await chmod(this.socketPath, 0o666);
  }

  private accept(socket: Socket): void {
    const max = this.options.maxConnections ?? 128;
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.sockets.size >= max) {
      this.totals.denied += 1;
      this.ctx.logger?.warn({ door: this.id, max }, "egress door at its connection limit");
      endSoon(socket, rawResponse(503, `Patchbay egress proxy: too many connections at once (limit ${max}).`));
      return;
    }
    this.track(socket);
    this.http.emit("connection", socket);
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once("close", () => this.sockets.delete(socket));
  }

  /** Replaces the policy for new requests; open flows it no longer allows are cut off. */
  setPolicy(policy: DoorPolicy): void {
    this.policy = compilePolicy(policy);
    for (const flow of this.flows) {
      if (this.check(flow)) flow.kill?.("closed");
    }
  }

  /** Totals since the door opened. */
  counts(): DoorCounts {
    return { ...this.totals };
  }

  begin(host: string, port: number, method: string | null): Flow {
    const flow = new Flow(host, port, method);
    this.flows.add(flow);
    try {
      this.options.onOpen?.();
    } catch (err) {
      this.ctx.logger?.warn({ door: this.id, err }, "egress onOpen threw");
    }
    return flow;
  }

  check(flow: Flow) {
    return checkPolicy(this.policy, flow.host, flow.port, flow.method, this.options.denyHint);
  }

  dial(host: string, port: number): Promise<Dialed> {
    return dial(host, port, this.ctx.dial, (socket) => {
      if (this.closing) socket.destroy();
      else this.track(socket);
    });
  }

  end(flow: Flow): void {
    if (!this.flows.delete(flow)) return;
    const ev = flow.toEvent();
    if (ev.allowed) this.totals.allowed += 1;
    else this.totals.denied += 1;
    this.totals.bytesUp += ev.bytesUp;
    this.totals.bytesDown += ev.bytesDown;
    this.log(ev);
    try {
      this.options.onConnection(ev);
    } catch (err) {
      this.ctx.logger?.warn({ door: this.id, err }, "egress onConnection threw");
    }
  }

  private log(ev: EgressEvent): void {
    // Host, port, method and status only: URLs, queries and headers may carry secrets.
    const fields = { door: this.id, ...ev };
    if (ev.allowed) this.ctx.logger?.debug(fields, "egress");
    else this.ctx.logger?.info(fields, "egress refused");
  }

  /** Stops listening, cuts every open connection (tunnels too) and removes the socket and its directory. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.net.close(() => resolve()));
    for (const flow of [...this.flows]) flow.kill?.("closed");
    for (const socket of this.sockets) socket.destroy();
    this.http.close();
    await stopped;
    // Flows still waiting for DNS or a connect end here; their sockets die as they are tracked.
    for (const flow of [...this.flows]) {
      flow.fail("closed");
      this.end(flow);
    }
    // A folder the door was lent (a sandbox's runner folder) stays; only the socket goes.
    await rm(this.options.folder ? this.socketPath : this.hostDir, { recursive: true, force: true });
    this.ctx.onClosed(this);
  }
}
