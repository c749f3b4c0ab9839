import type { Socket } from "node:net";
import type { Dialed, Refusal } from "./target.js";
import type { EgressEvent, EgressReason } from "./types.js";

/** One request or tunnel while it is open; becomes one EgressEvent when it ends. */
export class Flow {
  readonly started = Date.now();
  status: number | null = null;
  allowed = true;
  reason: EgressReason | undefined;
  bytesUp = 0;
  bytesDown = 0;
  /** Cuts the flow off (door closed, policy changed); set by its handler once it is under way. */
  kill: ((reason: EgressReason) => void) | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly method: string | null,
  ) {}

  /** Marks the flow refused by policy (or failed before it started) with the proxy's answer. */
  refuse(refusal: Refusal, allowed: boolean): void {
    this.status = refusal.status;
    this.reason = refusal.reason;
    this.allowed = allowed;
  }

  /** Records the first reason only: later ones are consequences of it. */
  fail(reason: EgressReason): void {
    this.reason ??= reason;
  }

  toEvent(): EgressEvent {
    const ev: EgressEvent = {
      host: this.host,
      port: this.port,
      method: this.method,
      status: this.status,
      allowed: this.allowed,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      durationMs: Date.now() - this.started,
    };
    if (this.reason !== undefined) ev.reason = this.reason;
    return ev;
  }
}

/** What a request handler needs from its door. */
export interface DoorRuntime {
  readonly idleTimeoutMs: number;
  /** Registers a flow as live (policy changes and close reach it). */
  begin(host: string, port: number, method: string | null): Flow;
  /** Ends a flow: emits its event once, updates the counts. */
  end(flow: Flow): void;
  /** The policy's answer for this flow (null = go on). */
  check(flow: Flow): Refusal | null;
  dial(host: string, port: number): Promise<Dialed>;
}

/** Private addresses count as denied by policy; DNS or connect failures were allowed but failed. */
export function refusalAllowed(refusal: Refusal): boolean {
  return (
    refusal.reason !== "private_address" && refusal.reason !== "not_allowed" && refusal.reason !== "method_not_allowed"
  );
}

/** The raw HTTP/1.1 answer for a socket that is no longer an HTTP server connection (CONNECT, capacity). */
export function rawResponse(status: number, body: string): string {
  const text = `${body}\n`;
  const reason = STATUS_TEXT[status] ?? "Error";
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  403: "Forbidden",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Ends a socket after its last write, and destroys it if the peer never closes its side. */
export function endSoon(socket: Socket, text: string, graceMs = 2000): void {
  socket.end(text);
  const timer = setTimeout(() => socket.destroy(), graceMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}
