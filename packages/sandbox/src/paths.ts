import { posix } from "node:path";
import { PatchbayError } from "@patchbay/core";

/**
 * Resolves a file path against the workspace root and refuses anything outside it. This is a
 * guard against mistakes, not the security boundary: the container is.
 */
export function resolveInRoot(root: string, path: string): string {
  if (typeof path !== "string" || path.length === 0) {
    throw new PatchbayError("invalid_request", "A file path is required.");
  }
  if (path.includes("\0")) {
    throw new PatchbayError("invalid_request", "A file path must not contain NUL bytes.");
  }
  const resolved = posix.resolve(root, path);
  if (!resolved.startsWith(`${root}/`)) {
    throw new PatchbayError("invalid_request", `Path "${path}" is outside the workspace ${root}.`);
  }
  return resolved;
}

/** Resolves a command's working directory: relative to the root, or absolute anywhere. */
export function resolveCwd(root: string, cwd: string | undefined): string {
  if (cwd === undefined || cwd === "") return root;
  if (cwd.includes("\0")) throw new PatchbayError("invalid_request", "cwd must not contain NUL bytes.");
  return posix.resolve(root, cwd);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Turns an env record into Docker's KEY=value list, refusing names a shell could not use. */
export function toEnvList(env: Record<string, string> | undefined): string[] {
  if (env === undefined) return [];
  return Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME.test(name))
      throw new PatchbayError("invalid_request", `Invalid environment variable name "${name}".`);
    if (String(value).includes("\0")) {
      throw new PatchbayError("invalid_request", `Environment variable ${name} must not contain NUL bytes.`);
    }
    return `${name}=${value}`;
  });
}
