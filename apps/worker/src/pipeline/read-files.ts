import type { Sandbox } from "@patchbay/sandbox";
import { regularFiles } from "./tar-entries.js";

/**
 * Many workspace files in one round trip: a tar of `paths` streamed out of the sandbox, each
 * regular file up to `maxBytes` returned by path. A path that is missing, a link, a folder or
 * bigger than `maxBytes` is absent from the map; tar stores a FIFO without opening it.
 */
export async function readFilesFromSandbox(
  sandbox: Pick<Sandbox, "root" | "streamOut">,
  paths: readonly string[],
  maxBytes: number,
): Promise<Map<string, Buffer>> {
  if (paths.length === 0) return new Map();
  // "./" keeps a path that starts with "-" from being read as an option.
  const members = paths.map((p) => `./${p}`);
  const argv = ["tar", "-c", "-f", "-", "-C", sandbox.root, "--no-recursion", "--ignore-failed-read", ...members];
  return regularFiles(await sandbox.streamOut(argv), maxBytes);
}
