import { open, readFile, stat, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { type ErrorCode, PatchbayError } from "@patchbay/core";

/** A lock file older than this is taken over whatever its owner says (no holder keeps one this long). */
const STALE_MS = 30 * 60_000;
const FIRST_WAIT_MS = 10;
const MAX_WAIT_MS = 200;

/** A held lock; `release` is safe to call more than once. */
export interface HeldLock {
  release(): Promise<void>;
}

/** How long to wait for a lock, and what to say when it stays busy. */
export interface LockOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** What the lock guards, for the error ("the git cache"). */
  what: string;
  /** The error's code when the wait ends without the lock. */
  code: ErrorCode;
}

/**
 * Takes the lock file `file` (created exclusively, holding `pid@host`), waiting while another
 * process or job holds it. Several workers may share one work folder, so an in-process mutex
 * is not enough. A lock whose owner on this host is dead, or that is older than STALE_MS, is
 * taken over. Gives up after `timeoutMs` or when `signal` aborts.
 */
export async function takeLock(file: string, options: LockOptions): Promise<HeldLock> {
  const deadline = Date.now() + options.timeoutMs;
  const me = `${process.pid}@${hostname()}`;
  for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, MAX_WAIT_MS)) {
    try {
      const handle = await open(file, "wx", 0o600);
      await handle.writeFile(me);
      await handle.close();
      let held = true;
      return {
        release: async () => {
          if (!held) return;
          held = false;
          await unlink(file).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const state = await lockState(file);
    if (state === "gone") continue;
    // Only after a crash; two waiters taking over at once is possible (the holders' work must bear it).
    if (state === "stale") {
      await unlink(file).catch(() => undefined);
      continue;
    }
    if (options.signal?.aborted) throw new PatchbayError("cancelled", `cancelled while waiting for ${options.what}`);
    if (Date.now() > deadline) {
      throw new PatchbayError(options.code, `${options.what} stayed busy for ${options.timeoutMs} ms (${file})`);
    }
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Tries the lock once: null when someone holds it (a sweep skips such entries). */
export async function tryLock(file: string): Promise<HeldLock | null> {
  try {
    return await takeLock(file, { timeoutMs: 0, what: file, code: "internal" });
  } catch (err) {
    if (err instanceof PatchbayError) return null;
    throw err;
  }
}

async function lockState(file: string): Promise<"held" | "stale" | "gone"> {
  const [owner, info] = await Promise.all([readFile(file, "utf8").catch(() => null), stat(file).catch(() => null)]);
  if (owner === null || info === null) return "gone";
  if (Date.now() - info.mtimeMs > STALE_MS) return "stale";
  const [pid, host] = owner.split("@");
  // A half-written lock (its owner is between open and write) is held.
  if (!pid || host !== hostname()) return "held";
  try {
    process.kill(Number(pid), 0);
    return "held";
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH" ? "stale" : "held";
  }
}
