import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { tryLock } from "../file-lock.js";
import { treeBytes } from "../tree-bytes.js";

/** Where a cache's use markers and lock live (beside the caches: the other names in the root are projects'). */
export const CACHE_USES = ".uses";
export const CACHE_LOCKS = ".locks";
/** A use marker younger than this marks its cache in use (a job, setup included, ends within 24 h). */
const IN_USE_MS = 25 * 3600_000;
/** Folders being removed: renamed here first, so a lend never sees one half-removed. */
const EVICTING = ".evicting-";

/** What a sweep removed, and what the caches take after it. */
export interface ProjectCacheSweep {
  removed: string[];
  bytes: number;
}

/**
 * Keeps the projects' dependency caches under `maxBytes` together: removes whole caches, least
 * recently used first, skipping any that is locked or in use (a setup has it lent or mounted).
 * A cache in use is never removed, so they may stay above the cap while setups run.
 */
export async function sweepProjectCaches(root: string, maxBytes: number): Promise<ProjectCacheSweep> {
  const names = await readdir(root).catch(() => [] as string[]);
  await Promise.all(
    names.filter((n) => n.startsWith(EVICTING)).map((n) => rm(path.join(root, n), { recursive: true, force: true })),
  );
  const caches = await Promise.all(
    names
      .filter((name) => !name.startsWith("."))
      .map(async (name) => {
        const info = await stat(path.join(root, name)).catch(() => null);
        return info?.isDirectory() ? { name, used: info.mtimeMs, bytes: await treeBytes(path.join(root, name)) } : null;
      }),
  );
  const found = caches.filter((c) => c !== null);
  let bytes = found.reduce((sum, c) => sum + c.bytes, 0);
  const removed: string[] = [];
  for (const cache of found.sort((a, b) => a.used - b.used)) {
    if (bytes <= maxBytes) break;
    const gone = await evict(root, cache.name);
    if (!gone) continue;
    bytes -= cache.bytes;
    removed.push(path.join(root, cache.name));
  }
  return { removed, bytes };
}

/** Removes one cache unless it is locked or in use; whether it went. */
async function evict(root: string, name: string): Promise<boolean> {
  await mkdir(path.join(root, CACHE_LOCKS), { recursive: true });
  const lock = await tryLock(path.join(root, CACHE_LOCKS, `${name}.lock`));
  if (!lock) return false;
  const trash = path.join(root, `${EVICTING}${randomBytes(4).toString("hex")}`);
  try {
    if (await inUse(path.join(root, CACHE_USES, name))) return false;
    // Gone meanwhile (another worker's sweep): nothing of it to count.
    if (
      !(await rename(path.join(root, name), trash).then(
        () => true,
        () => false,
      ))
    )
      return false;
  } finally {
    await lock.release();
  }
  await rm(trash, { recursive: true, force: true });
  return true;
}

/** Whether a live use marker is in `uses`; stale ones (a killed worker's) are removed. */
async function inUse(uses: string): Promise<boolean> {
  let live = false;
  for (const marker of await readdir(uses).catch(() => [] as string[])) {
    const info = await stat(path.join(uses, marker)).catch(() => null);
    if (info && Date.now() - info.mtimeMs < IN_USE_MS) live = true;
    else await rm(path.join(uses, marker), { force: true });
  }
  return live;
}
