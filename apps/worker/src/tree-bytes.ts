import { lstat, readdir } from "node:fs/promises";
import path from "node:path";

/** Bytes of every file under `dir` (symlinks not followed; what vanishes meanwhile counts 0). */
export async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  const items = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const item of items) {
    const full = path.join(dir, item.name);
    if (item.isDirectory()) total += await treeBytes(full);
    else total += (await lstat(full).catch(() => null))?.size ?? 0;
  }
  return total;
}
