import type { CheckoutReader } from "@patchbay/checks";
import type { ReadFileOptions } from "@patchbay/core";
import { gitEnv } from "../pipeline/clone.js";
import { HostGitError, runHostGit } from "../pipeline/host-git.js";

const TIMEOUT_MS = 60_000;
const SYMLINK = "120000";
const SUBMODULE = "160000";
/** Symlinks followed for one path before giving up (as the kernel's ELOOP does). */
const MAX_HOPS = 16;

/** One path of a checkout's git index. */
export interface IndexEntry {
  mode: string;
  oid: string;
  stage: string;
}

/** How host git runs for the reader. */
export interface IndexReaderOptions {
  hostPath: string;
  signal?: AbortSignal;
}

/** A host checkout's git index, listed once: what the checks plan, the environment key and search_docs read. */
export interface HostIndex {
  entries: ReadonlyMap<string, IndexEntry>;
  blob: (oid: string, maxBytes?: number) => Promise<Buffer>;
  /** The bytes of the regular files among `paths` of at most `maxBytes` each; the rest left out. */
  files: (paths: readonly string[], maxBytes: number) => Promise<Map<string, Buffer>>;
}

/** Lists the git index of the checkout in `dir` (a checkout from the git cache has no files on disk). */
export async function readHostIndex(dir: string, options: IndexReaderOptions): Promise<HostIndex> {
  const run = { cwd: dir, timeoutMs: TIMEOUT_MS, env: gitEnv({ hostPath: options.hostPath }) };
  const signal = options.signal ? { signal: options.signal } : {};
  const { stdout } = await runHostGit(["ls-files", "-s", "-z"], {
    ...run,
    ...signal,
    maxStdoutBytes: 256 * 1024 * 1024,
  });
  const entries = new Map<string, IndexEntry>();
  for (const record of stdout.split("\0")) {
    // "<mode> <object> <stage>\t<path>"
    const tab = record.indexOf("\t");
    if (tab < 0) continue;
    const [mode = "", oid = "", stage = ""] = record.slice(0, tab).split(" ");
    entries.set(record.slice(tab + 1), { mode, oid, stage });
  }
  const git = { ...run, ...signal };
  return {
    entries,
    blob: (oid, maxBytes) => readBlob(oid, maxBytes, git),
    files: async (paths, maxBytes) => {
      const oids = new Map<string, string>();
      for (const path of paths) {
        const entry = entries.get(path);
        if (entry && entry.mode !== SYMLINK && entry.mode !== SUBMODULE) oids.set(path, entry.oid);
      }
      const blobs = await readBlobs([...new Set(oids.values())], maxBytes, git);
      const out = new Map<string, Buffer>();
      for (const [path, oid] of oids) {
        const bytes = blobs.get(oid);
        if (bytes) out.set(path, bytes);
      }
      return out;
    },
  };
}

/** The paths of the checkout's files and symlinks (a submodule's gitlink is no file of it). */
export function indexedPaths(index: HostIndex): string[] {
  return [...index.entries].filter(([, entry]) => entry.mode !== SUBMODULE).map(([path]) => path);
}

/** Blobs of at most `maxBytes` by object id, in two git processes (sizes, then the small ones' bytes). */
async function readBlobs(oids: string[], maxBytes: number, git: HostGitRun): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  if (oids.length === 0) return out;
  const sizes = await runHostGit(["cat-file", "--batch-check"], { ...git, input: `${oids.join("\n")}\n` });
  const small = sizes.stdout
    .split("\n")
    .map((line) => line.split(" "))
    .filter(([, type, size]) => type === "blob" && Number(size) <= maxBytes)
    .map(([oid]) => oid ?? "");
  if (small.length === 0) return out;
  const chunks: Buffer[] = [];
  const input = `${small.join("\n")}\n`;
  const collect = (chunk: Buffer) => chunks.push(chunk) > 0;
  await runHostGit(["cat-file", "--batch"], {
    ...git,
    input,
    onStdout: collect,
    maxStdoutBytes: Number.MAX_SAFE_INTEGER,
  });
  // "<oid> blob <size>\n<bytes>\n" per object.
  const all = Buffer.concat(chunks);
  for (let at = 0; at < all.length; ) {
    const eol = all.indexOf(10, at);
    if (eol < 0) break;
    const [oid = "", type, size] = all.subarray(at, eol).toString("latin1").split(" ");
    const length = type === "blob" ? Number(size) : 0;
    if (type === "blob") out.set(oid, all.subarray(eol + 1, eol + 1 + length));
    at = eol + 1 + (type === "blob" ? length + 1 : 0);
  }
  return out;
}

/**
 * Reads a host checkout through its git index: the same names and bytes a sandbox filled from it
 * holds, known before any sandbox exists. Symlinks are followed inside the tree only; one that
 * leaves it (absolute, or `..` past the root) reads as absent, where a sandbox would have read a
 * file of its own image.
 */
export function indexReader(index: HostIndex): CheckoutReader {
  const { entries, blob } = index;
  const resolve = (path: string) => resolveInTree(path, entries, blob);
  return {
    list: async (folders) => {
      const out = new Map<string, string[]>();
      for (const folder of folders) {
        const real = folder === "" ? "" : await resolve(folder);
        out.set(folder, real === null ? [] : namesIn(real, entries));
      }
      return out;
    },
    readFile: async (path: string, opts?: ReadFileOptions) => {
      const real = await resolve(path);
      const entry = real === null ? undefined : entries.get(real);
      if (!entry || entry.mode === SYMLINK || entry.mode === SUBMODULE) return null;
      return blob(entry.oid, opts?.maxBytes);
    },
  };
}

/** Names directly inside `folder` ("" for the top level), folders ending in "/", as `ls -1Ap` prints them. */
function namesIn(folder: string, entries: ReadonlyMap<string, IndexEntry>): string[] {
  const prefix = folder === "" ? "" : `${folder}/`;
  // The sandbox's workspace holds the repository's .git folder beside its files.
  const names = new Set<string>(folder === "" ? [".git/"] : []);
  for (const [path, entry] of entries) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash >= 0) names.add(`${rest.slice(0, slash)}/`);
    else names.add(entry.mode === SUBMODULE ? `${rest}/` : rest);
  }
  return [...names];
}

/** `path` with every symlink on the way replaced by its target; null when it leaves the tree. */
async function resolveInTree(
  path: string,
  entries: ReadonlyMap<string, IndexEntry>,
  blob: (oid: string) => Promise<Buffer>,
): Promise<string | null> {
  let parts = normalize(path);
  for (let hops = 0; parts !== null && hops <= MAX_HOPS; hops++) {
    const link = firstLink(parts, entries);
    if (link === null) return parts.join("/");
    const target = (await blob(link.oid)).toString("utf8");
    if (target.startsWith("/")) return null;
    parts = normalize([...parts.slice(0, link.at), target, ...parts.slice(link.at + 1)].join("/"));
  }
  return null;
}

function firstLink(parts: string[], entries: ReadonlyMap<string, IndexEntry>): { at: number; oid: string } | null {
  for (let i = 0; i < parts.length; i++) {
    const entry = entries.get(parts.slice(0, i + 1).join("/"));
    if (entry?.mode === SYMLINK) return { at: i, oid: entry.oid };
  }
  return null;
}

/** Path components with "." and ".." applied; null for an absolute path or one that climbs out. */
function normalize(path: string): string[] | null {
  if (path.startsWith("/")) return null;
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.pop() === undefined) return null;
  }
  return out;
}

/** How host git runs for one checkout. */
type HostGitRun = { cwd: string; timeoutMs: number; env: Record<string, string>; signal?: AbortSignal };

/** A blob's bytes; with `maxBytes`, its first maxBytes only (git is stopped once they are in). */
async function readBlob(oid: string, maxBytes: number | undefined, run: HostGitRun): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const limit = maxBytes ?? Number.POSITIVE_INFINITY;
  try {
    await runHostGit(["cat-file", "blob", oid], {
      ...run,
      onStdout: (chunk) => {
        chunks.push(chunk);
        size += chunk.length;
        return size < limit;
      },
    });
  } catch (err) {
    if (!(err instanceof HostGitError && size >= limit)) throw err;
  }
  const bytes = Buffer.concat(chunks);
  return bytes.length > limit ? bytes.subarray(0, limit) : bytes;
}
