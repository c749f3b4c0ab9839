import { posix } from "node:path";
import { PatchError } from "./types.js";

/**
 * Turns a path from a patch into one relative to the workspace root, refusing anything that
 * would land outside it (absolute elsewhere, `..`) or inside `.git`, whose damage `git diff`
 * would not even show.
 */
export function resolvePatchPath(root: string, path: string): string {
  const raw = path.trim();
  if (raw === "") throw new PatchError("A file path in the patch is empty.");
  const relative = posix.isAbsolute(raw)
    ? posix.relative(posix.normalize(root), posix.normalize(raw))
    : posix.normalize(raw);
  const outside = relative === ".." || relative.startsWith("../") || posix.isAbsolute(relative);
  if (outside || relative === "" || relative === ".") {
    throw new PatchError(`Refusing '${raw}': patch paths must point at a file inside the workspace (${root}).`, raw);
  }
  if (relative === ".git" || relative.startsWith(".git/")) {
    throw new PatchError(`Refusing '${raw}': the patch may not change files inside .git.`, raw);
  }
  return relative.replace(/\/+$/, "");
}
