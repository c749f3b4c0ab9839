import { readdir, rm, stat } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";

/** A job runs at most 24 h (limits.timeoutSec): its clone and environment copy are never older. */
const JOB_FILES_STALE_MS = 25 * 3600_000;
/** A socket folder is made moments before its socket listens: younger ones are left alone. */
const DOOR_GRACE_MS = 60_000;
const JOB_FILE = /^(clone-.+|env-.+\.tar)$/;
/** Where the sandboxes' socket folders live under the work dir (short: unix socket paths are). */
export const SOCKET_FOLDERS = { runner: "run", egress: "egress" } as const;

/**
 * Removes what a killed worker left in the work dir: per-job clones and environment copies older
 * than any job can run, and socket folders whose socket nobody listens on (a live worker's doors
 * answer, so workers sharing the folder keep theirs). Returns the paths removed.
 */
export async function sweepWorkDir(workDir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await names(workDir)) {
    const full = path.join(workDir, name);
    if (JOB_FILE.test(name) && (await olderThan(full, now - JOB_FILES_STALE_MS))) {
      await rm(full, { recursive: true, force: true });
      removed.push(full);
    }
  }
  for (const root of Object.values(SOCKET_FOLDERS).map((r) => path.join(workDir, r))) {
    for (const name of await names(root)) {
      const dir = path.join(root, name);
      if (!(await olderThan(dir, now - DOOR_GRACE_MS)) || (await anyoneListens(dir))) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    }
  }
  return removed;
}

async function names(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

async function olderThan(file: string, cutoff: number): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  return info !== null && info.mtimeMs < cutoff;
}

/** Whether a socket in `dir` accepts a connection (closed at once; the doors drop silent ones). */
async function anyoneListens(dir: string): Promise<boolean> {
  const sockets = (await names(dir)).filter((n) => n.endsWith(".sock"));
  for (const name of sockets) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = connect(path.join(dir, name));
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (answered) return true;
  }
  return false;
}
