import { PassThrough, type Readable } from "node:stream";
import type { Sandbox } from "@patchbay/sandbox";
import { launchHost } from "../host-process/launch.js";
import { type HostProcess, killGroup } from "../host-process/launcher.js";
import { gitEnv } from "./clone.js";
import type { CacheGitOptions } from "./git-cache.js";

/**
 * What the sandbox's `.git` holds. "shallow": the commit alone (its tree, no history): the agent
 * diffs, applies and commits against it. "full": everything reachable from the remote's branches
 * and tags too, the branches as `refs/remotes/origin/*` (a review's base, `git log`).
 */
export type SandboxHistory = "shallow" | "full";

/** The commit to put in a sandbox, from a cache entry. */
export interface ExportRequest {
  entry: string;
  commit: string;
  history: SandboxHistory;
  /** Branches and tags to give the sandbox with "full" history. */
  refs: Array<{ id: string; name: string }>;
  git: CacheGitOptions;
}

// Runs in the empty workspace: the pack on stdin becomes the object store, then the commit is
// checked out by the sandbox's own git (so .gitattributes and modes come out as a clone's would).
// The repository's skeleton is written by hand (what `git init` writes that git needs, and a
// detached HEAD): two fewer git processes per sandbox.
const UNPACK = [
  "set -e",
  "mkdir -p .git/objects/pack .git/objects/info .git/refs/heads .git/refs/tags",
  'printf "[core]\\n\\trepositoryformatversion = 0\\n\\tfilemode = true\\n\\tbare = false\\n" > .git/config',
  'printf "%s\\n" "$1" > .git/HEAD',
  "git index-pack --stdin >/dev/null",
  'if [ "$2" = shallow ]; then printf "%s\\n" "$1" > .git/shallow; fi',
  "git reset -q --hard",
].join("\n");

/**
 * Fills an empty sandbox workspace with the commit straight from the cache: a pack streamed from
 * host git into `git index-pack` in the sandbox and checked out there. No checkout or tar of the
 * tree is ever written on the host.
 */
export async function exportToSandbox(sandbox: Sandbox, request: ExportRequest): Promise<void> {
  const refs = request.history === "full" ? request.refs : [];
  const pack = packStream(request, refs);
  // Whoever reads the pack may be gone when git fails or is killed (a sandbox removed by a cancel
  // or a shutdown refuses the stream before reading it): its error must never go unheard, which
  // would end the worker. A reader still there sees it (`errored`, its own listener); a sandbox
  // that fails to take it destroys it, which stops host git (Sandbox.streamIn).
  pack.on("error", () => undefined);
  await sandbox.streamIn(["sh", "-c", UNPACK, "unpack", request.commit, request.history], pack);
  if (refs.length > 0) {
    const packed = refs.map(({ name, id }) => `${id} ${name.replace(/^refs\/heads\//, "refs/remotes/origin/")}\n`);
    await sandbox.writeFile(".git/packed-refs", Buffer.from(packed.join("")));
  }
}

/**
 * A pack of the commit's tree (shallow), or of the commit and `refs` with their history (full).
 * Shallow: the commit is named as its own shallow boundary, as upload-pack does for a depth-1
 * fetch, so pack-objects walks nothing behind it (one git process, where a rev-list feeding it
 * was two).
 */
function packStream(request: ExportRequest, refs: Array<{ id: string }>): Readable {
  const revs =
    request.history === "full"
      ? [request.commit, ...refs.map((r) => r.id)].join("\n")
      : `${request.commit}\n--shallow ${request.commit}\n`;
  return spawnGit(["pack-objects", "--revs", "--stdout", "--quiet"], request, revs);
}

/**
 * Host git with its stdout as a stream, in a process group of its own (through the host
 * launcher): a time-out, the job's cancel or the reader going away kills the group. A failure
 * errors the stream, so a partial pack is never taken for a whole one.
 */
function spawnGit(args: string[], request: ExportRequest, input?: string): Readable {
  const out = new PassThrough();
  const env = gitEnv({ hostPath: request.git.hostPath, ...(request.git.env ? { env: request.git.env } : {}) });
  launchHost("git", args, { cwd: request.entry, env, stdin: input !== undefined }).then(
    (child) => streamGit(child, args, request, out, input),
    (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
  );
  return out;
}

/** Pipes a started git's stdout into `out`; ends `out` on success, errors it on any failure. */
function streamGit(child: HostProcess, args: string[], request: ExportRequest, out: PassThrough, input?: string) {
  const stderr: Buffer[] = [];
  let stopped: string | null = null;
  const kill = (why: string) => {
    stopped ??= why;
    killGroup(child.pid, "SIGKILL");
  };
  const timer = setTimeout(() => kill(`timed out after ${request.git.timeoutMs} ms`), request.git.timeoutMs);
  const onAbort = () => kill("aborted");
  request.git.signal?.addEventListener("abort", onAbort, { once: true });
  if (request.git.signal?.aborted) onAbort();
  // The reader went away while git was starting.
  if (out.destroyed) kill("stopped");
  if (input !== undefined) child.stdin?.end(input);
  child.stdin?.on("error", () => undefined);
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdout.pipe(out, { end: false });
  void child.closed.then(({ code }) => {
    clearTimeout(timer);
    request.git.signal?.removeEventListener("abort", onAbort);
    if (code === 0 && stopped === null) out.end();
    else {
      const text = Buffer.concat(stderr).toString().trim().slice(-500);
      out.destroy(new Error(`git ${args[0]} ${stopped ?? `exited with ${code}`}: ${text}`));
    }
  });
  out.on("close", () => {
    if (!child.exited) kill("stopped");
  });
}
