import { type ExecResult, PatchbayError, type Workspace } from "@patchbay/core";

/** A mount this full (percent) counts as full: tmpfs keeps a few blocks for itself. */
const FULL_PERCENT = 95;

/** A filesystem of the sandbox as `df -P` reports it. */
interface MountUse {
  mount: string;
  sizeMb: number;
  percent: number;
}

/** `df -P -k` lines: mount, size and use. */
export function parseDf(text: string): MountUse[] {
  return text
    .split("\n")
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length >= 6 && /^\d+%$/.test(f[4]!))
    .map((f) => ({
      mount: f.slice(5).join(" "),
      sizeMb: Math.round(Number(f[1]) / 1024),
      percent: Number.parseInt(f[4]!, 10),
    }));
}

/** The sandbox's writable mounts (workspace, /tmp, home) that are full, with their sizes. */
export async function fullMounts(ws: Workspace): Promise<MountUse[]> {
  const df = await ws.exec('df -P -k . /tmp "$HOME" 2>/dev/null', { timeoutMs: 10_000 }).catch(() => null);
  if (!df || df.exitCode === null) return [];
  const seen = new Set<string>();
  return parseDf(df.stdout).filter((m) => m.percent >= FULL_PERCENT && !seen.has(m.mount) && seen.add(m.mount));
}

/**
 * `disk_limit` when a failed command ran out of disk: it said so (ENOSPC, the sandbox's
 * `disk_limit` reason), or the OOM killer struck while a tmpfs was full (tmpfs pages count
 * against the memory limit, so a filled /workspace looks like a memory hog). Null otherwise.
 */
export async function diskLimitError(ws: Workspace, result: ExecResult, what: string): Promise<PatchbayError | null> {
  if (result.reason !== "disk_limit" && result.reason !== "oom") return null;
  const full = await fullMounts(ws);
  if (result.reason === "oom" && full.length === 0) return null;
  const where = full.length > 0 ? full.map((m) => `${m.mount} (${m.sizeMb} MiB)`).join(", ") : "a sandbox disk";
  const how = result.reason === "oom" ? "ran out of memory because" : "failed because";
  return new PatchbayError(
    "disk_limit",
    `${what} ${how} ${where} is full: the sandbox's /workspace, /tmp and home are size-limited (and count against its memory); write less, or clean up build output`,
  );
}

/** The error for a fixed script of ours that failed: disk_limit when the disk filled, else sandbox_failed. */
export async function scriptFailure(ws: Workspace, result: ExecResult, what: string): Promise<PatchbayError> {
  const disk = await diskLimitError(ws, result, what);
  if (disk) return disk;
  const why = result.timedOut ? "timed out" : result.stderr.slice(-500);
  return new PatchbayError("sandbox_failed", `${what}: ${why}`);
}
