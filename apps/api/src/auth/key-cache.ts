import type { ApiKeyRecord } from "@patchbay/db";

/** A key's stored row as authentication reads it (the hash is compared on every request). */
export type StoredKey = ApiKeyRecord & { hash: string };

/**
 * How long a key's row is reused before it is read again: a revoked key (or a changed scope or
 * limit) takes effect within this bound, in every API process.
 */
export const KEY_CACHE_TTL_MS = 2_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  row: Promise<StoredKey | null>;
  until: number;
}

/**
 * Key rows by prefix, read at most once per `ttlMs` per prefix (concurrent requests share one
 * read). Only rows that exist are kept: an unknown prefix is read again each time, so a key made
 * a moment ago works at once and guessed prefixes cannot fill the cache. It caches the stored
 * row only: the caller still compares the presented key with the row's hash on every request.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly read: (prefix: string) => Promise<StoredKey | null>,
    private readonly ttlMs = KEY_CACHE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The row of `prefix` (at most `ttlMs` old), or null when there is none. */
  find(prefix: string): Promise<StoredKey | null> {
    const at = this.now();
    const hit = this.entries.get(prefix);
    if (hit && hit.until > at) return hit.row;
    const row = this.read(prefix);
    if (this.entries.size >= MAX_ENTRIES) this.dropExpired(at);
    if (this.entries.size < MAX_ENTRIES) this.entries.set(prefix, { row, until: at + this.ttlMs });
    const forget = () => {
      if (this.entries.get(prefix)?.row === row) this.entries.delete(prefix);
    };
    row.then((found) => (found ? undefined : forget()), forget);
    return row;
  }

  private dropExpired(at: number): void {
    for (const [prefix, entry] of this.entries) if (entry.until <= at) this.entries.delete(prefix);
  }
}
