import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";
import { PatchbayError } from "@patchbay/core";
import { z } from "zod";

/** How long a stream token opens a job's event stream. */
export const STREAM_TOKEN_TTL_MS = 5 * 60_000;

const Claims = z.object({ j: z.string(), p: z.string(), k: z.string(), e: z.number().int() });

/** What a stream token says: the job, its project, the key that minted it, and when it expires (ms). */
export interface StreamTokenClaims {
  jobId: string;
  projectId: string;
  keyPrefix: string;
  expiresAt: number;
}

/**
 * The HMAC key for stream tokens. Derived (HKDF) from PATCHBAY_SECRETS_KEY when set, so every API
 * process behind a load balancer accepts the tokens the others mint; otherwise random per process
 * (a single API, as `npm start` runs it — the browser just mints a new token when one is refused).
 */
export function streamTokenKey(secretsKey: string | undefined): Buffer {
  if (!secretsKey) return randomBytes(32);
  return Buffer.from(hkdfSync("sha256", secretsKey, "patchbay", "stream-token v1", 32));
}

function sign(key: Buffer, body: string): string {
  return createHmac("sha256", key).update(body).digest("base64url");
}

/** Mints a token that opens only `jobId`'s event stream until `now + STREAM_TOKEN_TTL_MS`. */
export function mintStreamToken(
  key: Buffer,
  claims: Omit<StreamTokenClaims, "expiresAt">,
  now = Date.now(),
): { token: string; expiresAt: number } {
  const expiresAt = now + STREAM_TOKEN_TTL_MS;
  const body = Buffer.from(
    JSON.stringify({ j: claims.jobId, p: claims.projectId, k: claims.keyPrefix, e: expiresAt }),
  ).toString("base64url");
  return { token: `${body}.${sign(key, body)}`, expiresAt };
}

const refused = (why: string) => new PatchbayError("unauthorized", `the stream token ${why}; mint a new one`);

/** The token's claims when it is genuine, unexpired and minted for `jobId`; 401 otherwise. */
export function verifyStreamToken(key: Buffer, token: string, jobId: string, now = Date.now()): StreamTokenClaims {
  const [body, mac, extra] = token.split(".");
  if (!body || !mac || extra !== undefined || token.length > 1000) throw refused("is malformed");
  const expected = Buffer.from(sign(key, body));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused("is not valid");
  const parsed = Claims.safeParse(safeJson(Buffer.from(body, "base64url").toString("utf8")));
  if (!parsed.success) throw refused("is malformed");
  const { j, p, k, e } = parsed.data;
  if (e <= now) throw refused("expired");
  if (j !== jobId) throw refused("is for another job");
  return { jobId: j, projectId: p, keyPrefix: k, expiresAt: e };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
