import { lookup } from "node:dns/promises";
import { isIP, connect as netConnect, type Socket } from "node:net";
import { nonPublicAddress, PatchbayError } from "@patchbay/core";
import { normalizeHost } from "./rules.js";
import type { EgressReason } from "./types.js";

/** Where a mapped host really goes (tests point a name at a server on loopback). */
interface MapTarget {
  host: string;
  port: number | null;
}

export interface DialSettings {
  hostMap: ReadonlyMap<string, MapTarget>;
  allowPrivateAddresses: boolean;
  connectTimeoutMs: number;
}

/** A refusal or failure the proxy answers with a status and a plain-text body. */
export interface Refusal {
  reason: EgressReason;
  status: number;
  message: string;
}

export type Dialed = { ok: true; socket: Socket } | ({ ok: false } & Refusal);

/** Parses `host[:port]` or `[v6]:port`; null when it is neither. */
export function splitHostPort(text: string): { host: string; port: number | null } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return null;
  const port = m[3] === undefined ? null : Number(m[3]);
  if (port !== null && (port < 1 || port > 65535)) return null;
  return { host: normalizeHost((m[1] ?? m[2]) as string), port };
}

/** Validates `hostMap` (`{"name[:port]": "address[:port]"}`) once, at construction. */
export function parseHostMap(map: Record<string, string>): Map<string, MapTarget> {
  const parsed = new Map<string, MapTarget>();
  for (const [key, value] of Object.entries(map)) {
    const from = splitHostPort(key);
    const to = splitHostPort(value);
    if (!from || !to) {
      throw new PatchbayError(
        "invalid_request",
        `hostMap entry "${key}": "${value}" must be host[:port] → address[:port]`,
      );
    }
    parsed.set(from.port === null ? from.host : `${from.host}:${from.port}`, to);
  }
  return parsed;
}

function refuse(reason: EgressReason, status: number, message: string): Dialed {
  return { ok: false, reason, status, message };
}

async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

/**
 * Resolves `host` (through hostMap first), refuses private addresses unless mapped or allowed,
 * and connects to the first address that answers within the connect timeout. The socket is
 * connected to a vetted IP, never re-resolved, so a DNS answer cannot change between check and use.
 */
export async function dial(
  host: string,
  port: number,
  s: DialSettings,
  track: (sock: Socket) => void,
): Promise<Dialed> {
  const mapped = s.hostMap.get(`${host}:${port}`) ?? s.hostMap.get(host);
  const target = mapped?.host ?? host;
  const targetPort = mapped?.port ?? port;
  let addresses: string[];
  try {
    addresses = await addressesOf(target);
  } catch {
    return refuse("dns_failed", 502, `Patchbay egress proxy: cannot resolve the host ${host}.`);
  }
  const usable = mapped || s.allowPrivateAddresses ? addresses : addresses.filter((a) => nonPublicAddress(a) === null);
  if (usable.length === 0) {
    return refuse(
      "private_address",
      403,
      `Patchbay egress proxy: ${host} is or resolves to ${addresses[0] ?? "no address"}, a loopback, private, ` +
        "link-local or unspecified address; the proxy does not connect there.",
    );
  }
  const deadline = Date.now() + s.connectTimeoutMs;
  let last: Dialed = refuse("connect_failed", 502, `Patchbay egress proxy: cannot connect to ${host}:${port}.`);
  for (const address of usable) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    last = await connectOnce(address, targetPort, left, track, `${host}:${port}`);
    if (last.ok || last.reason === "connect_timeout") return last;
  }
  return last;
}

function connectOnce(
  address: string,
  port: number,
  timeoutMs: number,
  track: (sock: Socket) => void,
  label: string,
): Promise<Dialed> {
  return new Promise((resolve) => {
    // Half-open allowed: an origin that stops sending may still be receiving.
    const socket = netConnect({ host: address, port, allowHalfOpen: true });
    track(socket);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(refuse("connect_timeout", 504, `Patchbay egress proxy: ${label} did not answer within ${timeoutMs} ms.`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      // Never an unhandled 'error': the handlers watch 'close' and add their own listeners.
      socket.on("error", () => {});
      resolve({ ok: true, socket });
    });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      const code = err.code ?? "error";
      resolve(refuse("connect_failed", 502, `Patchbay egress proxy: cannot connect to ${label} (${code}).`));
    });
  });
}
