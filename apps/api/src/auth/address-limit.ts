import { isIPv6 } from "node:net";
import { PatchbayError } from "@patchbay/core";
import type { ErrorRequestHandler, Request } from "express";

const WINDOW_MS = 60_000;
/** Addresses tracked per window; past it, new addresses share one bucket (a spray of addresses is limited too). */
const MAX_TRACKED = 50_000;
const OVERFLOW = "(overflow)";

/** Where a request comes from: the peer's address, an IPv6 one by its /64 (one host's whole range). */
export function clientAddress(req: Request): string {
  const raw = (req.socket.remoteAddress ?? "unknown").replace(/^::ffff:/, "");
  if (!isIPv6(raw)) return raw;
  return `${ipv6Groups(raw).slice(0, 4).join(":")}::/64`;
}

function ipv6Groups(address: string): string[] {
  const [head = "", tail] = address.replace(/%.*$/, "").split("::");
  const start = head ? head.split(":") : [];
  if (tail === undefined) return start;
  const end = tail ? tail.split(":") : [];
  return [...start, ...Array<string>(Math.max(0, 8 - start.length - end.length)).fill("0"), ...end];
}

/**
 * Fixed one-minute windows per client address, in this process's memory: no Redis round trip
 * (or Redis outage) for traffic that brings no key, and one API process's counters never
 * limit another's clients.
 */
export class AddressLimiter {
  private window = -1;
  private readonly counts = new Map<string, number>();

  constructor(readonly perMin: number) {}

  /** Counts one request from `address`; whether it is within the limit, and when the window ends. */
  hit(address: string, now = Date.now()): { allowed: boolean; retryAfterSec: number } {
    const window = Math.floor(now / WINDOW_MS);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const key = this.counts.has(address) || this.counts.size < MAX_TRACKED ? address : OVERFLOW;
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    const retryAfterSec = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    return { allowed: count <= this.perMin, retryAfterSec };
  }
}

/**
 * Counts every request that failed authentication (no key, a bad key, a bad webhook signature)
 * against its client address; past the limit the answer is 429 with `Retry-After` instead of 401,
 * so keys and webhook secrets cannot be guessed at speed. Requests with a valid key never count.
 */
export function limitUnauthenticated(limiter: AddressLimiter): ErrorRequestHandler {
  return (err, req, _res, next) => {
    if (!(err instanceof PatchbayError) || err.code !== "unauthorized") return next(err);
    const decision = limiter.hit(clientAddress(req));
    if (decision.allowed) return next(err);
    const message = `too many requests without a valid API key from this address (at most ${limiter.perMin} a minute); retry later`;
    next(new PatchbayError("rate_limited", message, { details: { retryAfterSec: decision.retryAfterSec } }));
  };
}
