import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What a key may do; `admin` includes the other two. */
export const API_SCOPES = ["jobs:read", "jobs:write", "admin"] as const;
export type ApiScope = (typeof API_SCOPES)[number];

// `pb_<12 hex>_<43 base64url>`: the prefix names the key in lists and logs; the secret part
// carries 256 bits, so a plain SHA-256 is enough (no password stretching needed).
const KEY_FORMAT = /^pb_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** A freshly made key: the plaintext (shown once) and what is stored. */
export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/** SHA-256 of the whole key, hex. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Makes a new random key. */
export function generateApiKey(): NewApiKey {
  const prefix = randomBytes(6).toString("hex");
  const key = `pb_${prefix}_${randomBytes(32).toString("base64url")}`;
  return { key, prefix, hash: hashApiKey(key) };
}

/** The prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_FORMAT.exec(key)?.[1] ?? null;
}

/** Whether `key` hashes to `storedHash`, compared in constant time. */
export function apiKeyMatches(key: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(key), "hex");
  const b = Buffer.from(storedHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `scopes` grant `needed` (`admin` grants everything within its project). */
export function hasScope(scopes: readonly string[], needed: ApiScope): boolean {
  return scopes.includes(needed) || scopes.includes("admin");
}
