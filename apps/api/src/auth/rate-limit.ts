import { PatchbayError } from "@patchbay/core";
import type { RequestHandler } from "express";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { authOf } from "./context.js";

const WINDOW_MS = 60_000;
/** A limiter that cannot reach Redis in this time lets the request through (fails open). */
const REDIS_TIMEOUT_MS = 500;

/** The outcome of counting one request. */
export interface RateDecision {
  allowed: boolean;
  remaining: number;
  retryAfterSec: number;
}

/** Fixed one-minute windows per key, counted in Redis so every API process shares them. */
export class RateLimiter {
  constructor(private readonly redis: Redis) {}

  /** Counts a request of `id` against `limit` per minute. */
  async hit(id: string, limit: number, now = Date.now()): Promise<RateDecision> {
    const window = Math.floor(now / WINDOW_MS);
    const key = `patchbay:ratelimit:${id}:${window}`;
    const replies = await this.redis
      .multi()
      .incr(key)
      .pexpire(key, WINDOW_MS * 2)
      .exec();
    const count = Number(replies?.[0]?.[1] ?? 0);
    const retryAfterSec = Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
    return { allowed: count <= limit, remaining: Math.max(0, limit - count), retryAfterSec };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref());
  return Promise.race([promise, timeout]);
}

/** 429 with `Retry-After` once the caller's key used up its requests for this minute. */
export function rateLimit(limiter: RateLimiter, defaultPerMin: number, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const auth = authOf(req);
    const limit = auth.rateLimitPerMin ?? defaultPerMin;
    const decision = await withTimeout(limiter.hit(auth.prefix, limit), REDIS_TIMEOUT_MS).catch((err: unknown) => {
      logger.warn({ err }, "rate limiter failed; letting the request through");
      return null;
    });
    if (decision) {
      res.setHeader("RateLimit-Limit", String(limit));
      res.setHeader("RateLimit-Remaining", String(decision.remaining));
      if (!decision.allowed) {
        throw new PatchbayError("rate_limited", `this API key is limited to ${limit} requests per minute`, {
          details: { retryAfterSec: decision.retryAfterSec },
        });
      }
    }
    next();
  };
}
