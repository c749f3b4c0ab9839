import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { PatchbayError } from "@patchbay/core";
import { ENV_TAR_PATH, type Sandbox } from "@patchbay/sandbox";

const LIST = "/tmp/.patchbay-env-list";
const SECRETS = "/tmp/.patchbay-env-secrets";
const LEAKS = "/tmp/.patchbay-env-leaks";
const TIMEOUT_MS = 10 * 60_000;

/**
 * Lists what setup produced, relative to `/`: every untracked or ignored path of the checkout
 * (git collapses whole untracked folders such as node_modules/ into one entry) and the home
 * folder's contents. With secret values given, files containing any of them are left out and
 * named on stderr: what the agent later sees must not hold a setup secret.
 */
const LIST_SCRIPT = `set -e
cd /workspace
git ls-files -z --others --directory | { grep -z -v '^\\.git/' || true; } | sed -z 's|^|workspace/|' > ${LIST}
( cd /home/sandbox && find . -mindepth 1 -maxdepth 1 -print0 | sed -z 's|^\\./|home/sandbox/|' ) >> ${LIST}
: > ${LEAKS}
if [ -s ${SECRETS} ]; then
  ( cd / && xargs -0 -r grep -rlF -f ${SECRETS} -- < ${LIST} || true ) > ${LEAKS}
  rm -f ${SECRETS}
  sed 's|^|left out (holds a secret): /|' ${LEAKS} >&2
fi`;

/** What a snapshot wrote. */
export interface SnapshotFile {
  path: string;
  sizeBytes: number;
  /** Files left out because they hold a setup secret. */
  leftOut: string[];
}

/** A snapshot taken with a sandbox to restore it into: the host file is whole; the restore may still run. */
export interface SnapshotInto extends SnapshotFile {
  /** Settles when the restore into the sandbox ended: undefined, or why it failed. */
  restored: Promise<unknown>;
}

const RESTORE_ARGV = ["tar", "-x", "-f", "-", "-C", "/", "--no-same-owner", "--no-overwrite-dir"];

/**
 * Saves what setup produced in `sandbox` to a tar on the host and, in the same pass, restores it
 * into `into` (the agent's sandbox): no second read of the host file on the job's path. Resolves
 * once the host file is written; `restored` says how the restore ended.
 */
export async function snapshotInto(
  sandbox: Sandbox,
  hostFile: string,
  secretValues: readonly string[],
  into: Sandbox,
): Promise<SnapshotInto> {
  const leftOut = await listSetupOutput(sandbox, secretValues);
  const exclude = leftOut.length > 0 ? [`--exclude-from=${LEAKS}`] : [];
  const argv = ["tar", "-c", "-f", "-", "-C", "/", "--null", ...exclude, "-T", LIST];
  const out = await sandbox.streamOut(argv);
  const tee = teeInto(out, into);
  try {
    await pipeline(out, createWriteStream(hostFile, { mode: 0o600 }));
  } catch (err) {
    tee.abort(err instanceof Error ? err : new Error(String(err)));
    await tee.restored;
    throw err;
  }
  return { path: hostFile, sizeBytes: (await stat(hostFile)).size, leftOut, restored: tee.restored };
}

/** Writes the list of what setup produced (LIST); returns the files left out for holding a secret. */
async function listSetupOutput(sandbox: Sandbox, secretValues: readonly string[]): Promise<string[]> {
  const secrets = secretValues.filter((v) => v.length >= 4);
  if (secrets.length > 0) await sandbox.writeFile(SECRETS, `${secrets.join("\n")}\n`).catch(() => undefined);
  const listed = await sandbox.exec(LIST_SCRIPT, { timeoutMs: TIMEOUT_MS });
  if (listed.exitCode !== 0) {
    throw new PatchbayError("sandbox_failed", `could not list what setup produced: ${listed.stderr.slice(-300)}`);
  }
  return listed.stderr
    .split("\n")
    .filter((l) => l.startsWith("left out"))
    .map((l) => l.slice(l.indexOf("/")));
}

/**
 * Feeds `out` to `tar -x` in `into` beside its other reader. A restore that fails stops taking
 * data (so the host file is still written whole); a source that fails cuts the restore off.
 */
function teeInto(out: Readable, into: Sandbox): { restored: Promise<unknown>; abort(err: Error): void } {
  const feed = new PassThrough();
  out.pipe(feed);
  const restored = into.streamIn(RESTORE_ARGV, feed).then(
    () => undefined,
    (err: unknown) => {
      out.unpipe(feed);
      feed.resume();
      return err ?? new Error("the restore failed");
    },
  );
  return { restored, abort: (err) => feed.destroy(err) };
}

/** Restores a snapshot saved in an environment image (ENV_TAR_PATH) into the sandbox's workspace and home. */
export async function restoreFromImage(sandbox: Sandbox): Promise<void> {
  const result = await sandbox.exec(`tar -x -f ${ENV_TAR_PATH} -C / --no-same-owner --no-overwrite-dir`, {
    timeoutMs: TIMEOUT_MS,
  });
  if (result.exitCode !== 0) {
    throw new PatchbayError("sandbox_failed", `could not restore the environment: ${result.stderr.slice(-300)}`);
  }
}

/** Restores a snapshot from a tar on the host, streamed into the sandbox. */
export async function restoreFromFile(sandbox: Sandbox, hostFile: string): Promise<void> {
  await sandbox.streamIn(RESTORE_ARGV, createReadStream(hostFile));
}
