/** Why a connection was refused or failed (absent when it went through). */
export type EgressReason =
  /** The host (and port) is not on the door's allowlist. */
  | "not_allowed"
  /** Plain HTTP with a method outside the door's `methods`. */
  | "method_not_allowed"
  /** The host is or resolves to a loopback, private, link-local or unspecified address. */
  | "private_address"
  | "dns_failed"
  | "connect_failed"
  | "connect_timeout"
  /** No bytes either way for the idle timeout. */
  | "idle_timeout"
  /** The upstream or the client broke off mid-way. */
  | "aborted"
  /** The door was closed, or a policy change took the host off the allowlist, while it was open. */
  | "closed"
  /** Not an absolute-URI request or CONNECT the proxy understands. */
  | "bad_request";

/**
 * One proxied request (plain HTTP) or tunnel (CONNECT). Deliberately no URL, path, query or headers:
 * secrets live there. `status` is what the proxy answered the client (the origin's status for
 * plain HTTP, 200 for an opened tunnel, 403/502/504 for refusals), null when no answer was sent.
 */
export interface EgressEvent {
  host: string;
  port: number;
  /** The HTTP method; null for CONNECT (the proxy cannot see methods inside a tunnel). */
  method: string | null;
  status: number | null;
  /** Whether the door's policy let it through (false for every refusal). */
  allowed: boolean;
  reason?: EgressReason;
  /** Body bytes client → origin (plain HTTP) or every byte of the tunnel. */
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
}

/** What a door lets through; both can change while it is open (`setPolicy`). */
export interface DoorPolicy {
  /** Allowlist rules (HostRuleSchema); an empty list refuses everything. */
  allow: readonly string[];
  /** HTTP methods allowed on plain HTTP (e.g. GET, HEAD, OPTIONS); null/absent = any. Not enforceable on CONNECT. */
  methods?: readonly string[] | null;
}

export interface DoorOptions extends DoorPolicy {
  /** Names the door's directory (e.g. the job id); sanitized and made unique. */
  id: string;
  /**
   * An existing folder mounted into the sandbox already (its runner folder): the socket is made
   * there instead of in a fresh folder of its own, and close() removes only the socket.
   */
  folder?: string;
  /**
   * Appended to every "not on the allowlist" 403 so the person reading it knows which setting
   * allows the host; `<host>` in it is replaced by the refused host.
   */
  denyHint: string;
  /** Called once per proxied request or tunnel, when it ends. Must not throw (errors are logged). */
  onConnection: (event: EgressEvent) => void;
  /** Called as each proxied request or tunnel begins, allowed or not. Must not throw (errors are logged). */
  onOpen?: () => void;
  /** Connections open at once through this door; more get a 503 (default 128). */
  maxConnections?: number;
}

/** Totals of one door since it opened. */
export interface DoorCounts {
  allowed: number;
  denied: number;
  bytesUp: number;
  bytesDown: number;
}

/** The few logger methods the proxy uses (pino's `(obj, msg)` shape; a pino Logger fits). */
export interface EgressLogger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}
