import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { PatchbayError } from "@patchbay/core";
import { takeLock } from "../file-lock.js";
import { gitEnv } from "./clone.js";
import { runHostGit } from "./host-git.js";
import { gitDataBytes } from "./repo-size.js";

/** Where the worker keeps its git objects, and how much disk they may take (PATCHBAY_GIT_CACHE_*). */
export interface GitCacheSettings {
  dir: string;
  maxMb: number;
}

/**
 * Whose objects an entry holds. Objects fetched with a project's credentials are that project's
 * alone: keyed by project and remote. Objects fetched with no credential at all are what any
 * project naming the same URL could fetch itself, so they are shared, keyed by the remote alone.
 */
export type CacheScope = { kind: "project"; projectId: string } | { kind: "shared" };

/** How host git runs for the cache: the job's time limit, PATH, cancel and credentials. */
export interface CacheGitOptions {
  timeoutMs: number;
  hostPath: string;
  signal?: AbortSignal;
  env?: Record<string, string>;
}

/** What one job's fetch did: provision event data (`log.checkout`). */
export interface CacheFetchStats {
  /** "miss": the entry was made by this job; "hit": it existed and only what is new was fetched. */
  cache: "hit" | "miss";
  scope: CacheScope["kind"];
  /** Objects and bytes the cache grew by (what this fetch brought). */
  objectsFetched: number;
  bytesFetched: number;
  fetchMs: number;
}

/** The job's commit in a cache entry, held by a job ref (so no sweep or gc drops it) until `release`. */
export interface CachedCommit {
  /** The entry's bare repository. */
  entry: string;
  commit: string;
  /** The branches and tags this job's fetch left (object id and ref name), for a sandbox with history. */
  refs: Array<{ id: string; name: string }>;
  stats: CacheFetchStats;
  /** Bytes of the entry's git data after the fetch (`git count-objects -v`: packs, loose, garbage). */
  gitBytes: number;
  release(): Promise<void>;
}

/** The fetch of one job: its remote, its scope, what to check out (commit, ref or the remote's HEAD). */
export interface CacheFetchRequest {
  url: string;
  scope: CacheScope;
  target?: string;
  jobId: string;
  git: CacheGitOptions;
}

/** Refs a fetch keeps, as a clone would: branches and tags (pruned when the remote drops them). */
const MIRROR_REFSPECS = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
export const JOB_REFS = "refs/patchbay/jobs";
/** Touched at each use: the sweep removes the least recently used entries first. */
export const USED_MARKER = "patchbay-used";
/** The entry's git data in bytes as its last fetch measured it: the sweep reads it instead of walking the entry. */
export const SIZE_RECORD = "patchbay-bytes";
/**
 * The entry's object count and bytes as its last fetch left them: the next fetch's "before" (every
 * fetch runs under the entry's lock and writes it), one host git process fewer on each job's path.
 */
const TALLY_RECORD = "patchbay-objects";
// Auto-gc runs inside the fetch (killed with it on a time-out) and never packs the job refs, whose
// file times tell the sweep an entry is in use. Written with the entry's skeleton, as `git init
// --bare` and three `git config` calls would (four host git processes fewer on a cache miss).
const ENTRY_CONFIG = `[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = true
\tlogAllRefUpdates = false
[gc]
\tautoDetach = false
\tpackRefs = false
`;

/** The entry folder of a remote in a scope (a hash: URLs may carry user names). */
export function cacheEntry(dir: string, url: string, scope: CacheScope): string {
  const owner = scope.kind === "project" ? `project:${scope.projectId}` : "shared";
  return path.join(dir, createHash("sha256").update(`${owner}\0${url}`).digest("hex").slice(0, 40));
}

/**
 * Brings the job's commit into the cache entry of its remote and scope: fetches the remote's
 * branches and tags with the job's own credentials (every job, also on a hit: the remote decides
 * again whether this job may read it; only new objects travel), then resolves the target from
 * what this fetch returned. A commit id is used only when reachable from the branches and tags
 * just fetched, and otherwise fetched by id, so an object another job brought into a shared entry
 * is never handed out unless the remote still serves it. Runs under the entry's lock.
 */
export async function fetchIntoCache(cache: GitCacheSettings, request: CacheFetchRequest): Promise<CachedCommit> {
  checkTarget(request.target);
  await mkdir(cache.dir, { recursive: true });
  const entry = cacheEntry(cache.dir, request.url, request.scope);
  const lock = await takeLock(`${entry}.lock`, { ...request.git, what: "the git cache", code: "repo_clone_failed" });
  const git = (args: string[]) => runGit(entry, args, request.git);
  const jobRef = `${JOB_REFS}/${request.jobId.replace(/[^A-Za-z0-9_-]/g, "_")}-${randomBytes(4).toString("hex")}`;
  let created = false;
  try {
    created = await ensureEntry(entry);
    // A new entry holds nothing yet.
    const before = created ? { objects: 0, bytes: 0 } : ((await recordedTally(entry)) ?? (await objectTally(git)));
    const started = Date.now();
    const headRef = request.target ? [] : [`+HEAD:${jobRef}`];
    const fetch = ["fetch", "--quiet", "--prune", "--no-tags", "--no-write-fetch-head", "--", request.url];
    await git([...fetch, ...MIRROR_REFSPECS, ...headRef]);
    if (request.target) {
      const known = await fetchedCommit(git, request.target);
      const held = known ? null : await heldCommit(git, request.target);
      if (known) await git(["update-ref", jobRef, known]);
      else if (held) {
        await proveServed(cache.dir, request.url, held, request.git);
        await git(["update-ref", jobRef, held]);
      } else await git([...fetch, `+${request.target}:${jobRef}`]);
    }
    // One git process for the job's commit (a tag peeled) and the branches and tags beside it;
    // the entry's size beside it.
    const [listing, after] = await Promise.all([
      git(["for-each-ref", "--format=%(objectname) %(*objectname) %(refname)", "refs/heads", "refs/tags", jobRef]),
      objectTally(git),
    ]);
    const listed = parseRefs(listing);
    const own = listed.find((r) => r.name === jobRef);
    if (!own) throw new PatchbayError("repo_clone_failed", "the fetch returned no commit");
    const commit = own.peeled ?? own.id;
    const refs = listed.filter((r) => r !== own).map(({ id, name }) => ({ id, name }));
    const stats: CacheFetchStats = {
      cache: created ? "miss" : "hit",
      scope: request.scope.kind,
      objectsFetched: Math.max(0, after.objects - before.objects),
      bytesFetched: Math.max(0, after.bytes - before.bytes),
      fetchMs: Date.now() - started,
    };
    const now = new Date();
    await utimes(path.join(entry, USED_MARKER), now, now);
    await writeFile(path.join(entry, SIZE_RECORD), `${after.gitBytes}\n`);
    await writeFile(path.join(entry, TALLY_RECORD), `${after.objects} ${after.bytes}\n`);
    const release = () => dropRef(entry, jobRef, request.git);
    return { entry, commit, refs, stats, gitBytes: after.gitBytes, release };
  } catch (err) {
    // A first fetch that failed (no access, no such repository) leaves no entry behind.
    if (created) await rm(entry, { recursive: true, force: true });
    else await dropRef(entry, jobRef, request.git);
    throw err;
  } finally {
    await lock.release();
  }
}

/** A target git could read as an option or as a second refspec is refused before any fetch. */
function checkTarget(target: string | undefined): void {
  if (target === undefined) return;
  if (target === "" || /^[-^+]|[:\s\\]|\.\./.test(target)) {
    throw new PatchbayError("repo_clone_failed", `could not clone: ${JSON.stringify(target)} is not a ref or commit`);
  }
}

/** Makes the entry's bare repository when missing (atomically: a crash leaves no half-made entry); true when made. */
async function ensureEntry(entry: string): Promise<boolean> {
  if (await stat(path.join(entry, USED_MARKER)).catch(() => null)) return false;
  await rm(entry, { recursive: true, force: true });
  const fresh = `${entry}.tmp-${randomBytes(4).toString("hex")}`;
  try {
    for (const dir of ["objects/info", "objects/pack", "refs/heads", "refs/tags"]) {
      await mkdir(path.join(fresh, dir), { recursive: true });
    }
    await writeFile(path.join(fresh, "HEAD"), "ref: refs/heads/main\n");
    await writeFile(path.join(fresh, "config"), ENTRY_CONFIG);
    await writeFile(path.join(fresh, USED_MARKER), "");
    await rename(fresh, entry);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
  return true;
}

/** The commit of a branch, tag or commit id that this job's fetch returned; null when it must be fetched by name. */
async function fetchedCommit(git: (args: string[]) => Promise<string>, target: string): Promise<string | null> {
  const resolve = (rev: string) => git(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`]).catch(() => null);
  // Tags first, as `git rev-parse` in a clone would pick them.
  const named = target.startsWith("refs/") ? [target] : [`refs/tags/${target}`, `refs/heads/${target}`];
  for (const ref of named) {
    if (!ref.startsWith("refs/heads/") && !ref.startsWith("refs/tags/")) continue;
    const commit = await resolve(ref);
    if (commit) return commit;
  }
  if (!/^[0-9a-f]{4,64}$/i.test(target)) return null;
  const commit = await resolve(target);
  if (!commit) return null;
  // Nothing printed: the commit is an ancestor of (or is) a branch or tag this fetch returned.
  const beyond = await git(["rev-list", "--max-count=1", commit, "--not", "--branches", "--tags"]).catch(() => "x");
  return beyond === "" ? commit : null;
}

/** `for-each-ref` lines of `<id> <peeled id or nothing> <name>`. */
function parseRefs(out: string): Array<{ id: string; peeled?: string; name: string }> {
  return out
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [id = "", peeled = "", ...name] = line.split(" ");
      return { id, ...(peeled ? { peeled } : {}), name: name.join(" ") };
    });
}

/** A commit id the entry holds (whoever fetched it); null for anything else. */
async function heldCommit(git: (args: string[]) => Promise<string>, target: string): Promise<string | null> {
  if (!/^[0-9a-f]{4,64}$/i.test(target)) return null;
  return git(["rev-parse", "--verify", "--quiet", `${target}^{commit}`]).catch(() => null);
}

/**
 * Asks the remote, with the job's credentials, for a commit the entry already holds but no
 * fetched branch or tag reaches. A fetch into the entry would not ask: git skips the remote for
 * objects it has. So the commit alone (depth 1) is fetched into an empty scratch repository; the
 * remote refusing it fails the job, as a clone of its own would.
 */
async function proveServed(dir: string, url: string, commit: string, options: CacheGitOptions): Promise<void> {
  const scratch = path.join(dir, `proof.tmp-${randomBytes(4).toString("hex")}`);
  try {
    await runGit(dir, ["init", "--quiet", "--bare", scratch], options);
    const fetch = ["fetch", "--quiet", "--depth=1", "--no-tags", "--no-write-fetch-head", "--", url];
    await runGit(scratch, [...fetch, `+${commit}:refs/proof`], options);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The tally the entry's last fetch recorded; null when there is none (a new entry, an older worker's). */
async function recordedTally(entry: string): Promise<{ objects: number; bytes: number } | null> {
  const text = await readFile(path.join(entry, TALLY_RECORD), "utf8").catch(() => "");
  const [objects, bytes] = text.trim().split(" ").map(Number);
  if (!Number.isSafeInteger(objects) || !Number.isSafeInteger(bytes)) return null;
  return { objects: objects!, bytes: bytes! };
}

/** Objects and bytes in the entry (`git count-objects -v`: loose and packed; `gitBytes` with garbage too). */
async function objectTally(
  git: (args: string[]) => Promise<string>,
): Promise<{ objects: number; bytes: number; gitBytes: number }> {
  const out = await git(["count-objects", "-v"]);
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1] ?? 0);
  return {
    objects: field("count") + field("in-pack"),
    bytes: (field("size") + field("size-pack")) * 1024,
    gitBytes: gitDataBytes(out),
  };
}

async function dropRef(entry: string, ref: string, options: CacheGitOptions): Promise<void> {
  // git's own ref lock makes this safe beside another job's fetch; no entry lock needed.
  await runGit(entry, ["update-ref", "-d", ref], options).catch(() => undefined);
}

async function runGit(cwd: string, args: string[], options: CacheGitOptions): Promise<string> {
  const { stdout } = await runHostGit(args, {
    cwd,
    timeoutMs: options.timeoutMs,
    env: gitEnv({ hostPath: options.hostPath, ...(options.env ? { env: options.env } : {}) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return stdout.trim();
}
