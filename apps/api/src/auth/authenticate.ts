import { PatchbayError } from "@patchbay/core";
import { type ApiKeyRepository, apiKeyMatches, apiKeyPrefix } from "@patchbay/db";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { setAuth } from "./context.js";
import { KeyCache } from "./key-cache.js";

const BEARER = /^Bearer +(\S{1,200})$/i;
const TOUCH_EVERY_MS = 60_000;

function unauthorized(message: string): PatchbayError {
  return new PatchbayError("unauthorized", message);
}

/**
 * Checks `Authorization: Bearer pb_<prefix>_<secret>`: the prefix finds the key, the hash of
 * the whole key is compared in constant time, a revoked key is refused (within
 * KEY_CACHE_TTL_MS: the key's row is read once per that time, not on every request). Sets the caller.
 */
export function authenticate(keys: ApiKeyRepository, logger: Logger): RequestHandler {
  const lastTouched = new Map<string, number>();
  const rows = new KeyCache((prefix) => keys.findByPrefix(prefix));
  return async (req, _res, next) => {
    const header = req.get("authorization");
    if (!header) {
      throw unauthorized(
        "an API key is required: send `Authorization: Bearer <key>` (an operator makes one with `patchbay keys create`)",
      );
    }
    const key = BEARER.exec(header)?.[1];
    if (!key) throw unauthorized("the Authorization header must be `Bearer <key>`");
    const prefix = apiKeyPrefix(key);
    const record = prefix ? await rows.find(prefix) : null;
    if (!prefix || !record || !apiKeyMatches(key, record.hash)) throw unauthorized("the API key is not valid");
    if (record.revokedAt) throw unauthorized(`the API key ${prefix} was revoked; ask for a new one`);
    setAuth(req, {
      prefix,
      projectId: record.projectId,
      scopes: record.scopes,
      rateLimitPerMin: record.rateLimitPerMin,
    });
    // last_used_at is for operators spotting unused keys: once a minute per key is plenty.
    const now = Date.now();
    if (now - (lastTouched.get(prefix) ?? 0) > TOUCH_EVERY_MS) {
      lastTouched.set(prefix, now);
      keys.touch(prefix).catch((err: unknown) => logger.warn({ err, prefix }, "could not record key use"));
    }
    next();
  };
}
