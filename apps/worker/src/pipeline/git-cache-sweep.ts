import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { tryLock } from "../file-lock.js";
import { treeBytes } from "../tree-bytes.js";
import { JOB_REFS, SIZE_RECORD, USED_MARKER } from "./git-cache.js";

/** A job ref younger than this marks its entry in use (an older one is a crashed worker's leftover). */
const IN_USE_MS = 24 * 60 * 60_000;
/** A half-made entry (`<key>.tmp-*`) older than this is a crashed fetch's. */
const LEFTOVER_MS = 60 * 60_000;

/** What a sweep removed, and what the cache takes after it. */
export interface SweepResult {
  removed: string[];
  bytes: number;
}

/**
 * Keeps the cache under `maxBytes`: removes whole entries, least recently used first, skipping
 * any that is locked (a fetch under way) or holds a recent job ref (a job still exporting from
 * it). An entry in use is never removed, so the cache may stay above the bound while jobs run.
 */
export async function sweepGitCache(dir: string, maxBytes: number): Promise<SweepResult> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await removeLeftovers(dir, names);
  const entries = await Promise.all(
    names
      .filter((name) => /^[0-9a-f]{40}$/.test(name))
      .map(async (name) => {
        const entry = path.join(dir, name);
        const used = await stat(path.join(entry, USED_MARKER)).catch(() => null);
        return { entry, used: used?.mtimeMs ?? 0, bytes: await entryBytes(entry) };
      }),
  );
  let bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
  const removed: string[] = [];
  for (const candidate of entries.sort((a, b) => a.used - b.used)) {
    if (bytes <= maxBytes) break;
    const lock = await tryLock(`${candidate.entry}.lock`);
    if (!lock) continue;
    try {
      if (await inUse(candidate.entry)) continue;
      await rm(candidate.entry, { recursive: true, force: true });
      bytes -= candidate.bytes;
      removed.push(candidate.entry);
    } finally {
      await lock.release();
    }
  }
  return { removed, bytes };
}

let running: Promise<SweepResult> | null = null;
let last = 0;

/** A sweep at most every `everyMs` per worker process (a job's checkout calls it; sweeps never overlap). */
export function sweepSometimes(dir: string, maxBytes: number, everyMs = 30_000): Promise<SweepResult | null> {
  if (running || Date.now() - last < everyMs) return Promise.resolve(null);
  last = Date.now();
  running = sweepGitCache(dir, maxBytes).finally(() => {
    running = null;
  });
  return running;
}

async function inUse(entry: string): Promise<boolean> {
  const refs = await readdir(path.join(entry, JOB_REFS)).catch(() => [] as string[]);
  for (const ref of refs) {
    const info = await stat(path.join(entry, JOB_REFS, ref)).catch(() => null);
    if (info && Date.now() - info.mtimeMs < IN_USE_MS) return true;
  }
  return false;
}

async function removeLeftovers(dir: string, names: string[]): Promise<void> {
  for (const name of names.filter((n) => n.includes(".tmp-"))) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > LEFTOVER_MS)
      await rm(path.join(dir, name), { recursive: true, force: true });
  }
}

/**
 * An entry's size as its last fetch recorded it (one small read), else counted file by file (an
 * entry from before the record existed) and recorded, so the walk happens once. Walking every
 * entry took ~1 s for a 700-entry cache here.
 */
async function entryBytes(entry: string): Promise<number> {
  const record = path.join(entry, SIZE_RECORD);
  const recorded = Number((await readFile(record, "utf8").catch(() => "")).trim());
  if (Number.isSafeInteger(recorded) && recorded > 0) return recorded;
  const walked = await treeBytes(entry);
  await writeFile(record, `${walked}\n`).catch(() => undefined);
  return walked;
}
