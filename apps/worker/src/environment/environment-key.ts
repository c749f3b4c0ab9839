import { createHash } from "node:crypto";
import type { JobSpec, ProjectEnvironment } from "@patchbay/core";
import type { IndexEntry } from "./index-reader.js";

/** Bump when what setup produces for the same inputs changes (detection rules, snapshot layout). */
const KEY_FORMAT = "env-v2";

/**
 * Files whose content decides what setup installs: manifests, lockfiles, tool versions and the
 * repository's own Patchbay settings. Matched by base name anywhere in the tree (workspaces).
 */
const MANIFEST =
  /(^|\/)(package\.json|package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|pnpm-workspace\.yaml|yarn\.lock|\.yarnrc(\.yml)?|\.npmrc|\.nvmrc|\.node-version|\.tool-versions|requirements[^/]*\.(txt|in)|requirements\/[^/]+\.(txt|in)|constraints[^/]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile(\.lock)?|setup\.py|setup\.cfg|\.python-version|\.patchbay\.ya?ml|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?)$/;

/** What goes into an environment's key besides the repository's files. */
export interface KeyInputs {
  /** The engine's id of the image the sandbox starts from (a rebuilt image is a new key). */
  imageId: string;
  repoUrl: string;
  spec: Pick<JobSpec, "setup" | "environment">;
  project: ProjectEnvironment;
  /** Hosts the proxy allows during setup (project, job and host registries). */
  allow: readonly string[];
}

/**
 * Hashes what decides the environment: the image, the repository, the blob ids of its manifests
 * and lockfiles (from the host checkout's git index: no file is read), the setup commands and
 * the network settings. Two jobs with the same key get the same environment.
 */
export function environmentKey(index: ReadonlyMap<string, IndexEntry>, inputs: KeyInputs): string {
  const hash = createHash("sha256");
  hash.update(KEY_FORMAT);
  for (const [file, entry] of index) {
    if (!MANIFEST.test(file)) continue;
    hash.update(`\0file\0${file}\0${entry.mode} ${entry.oid} ${entry.stage}`);
  }
  const settings = {
    image: inputs.imageId,
    repo: normalizeRepoUrl(inputs.repoUrl),
    setup: inputs.spec.setup ?? null,
    adminSetup: inputs.project.setup,
    adminSecrets: inputs.project.setupSecrets,
    allow: [...inputs.allow].sort(),
  };
  hash.update(`\0settings\0${JSON.stringify(settings)}`);
  return hash.digest("hex").slice(0, 40);
}

/** The same repository however it is written (case of the host, a trailing `.git` or slash). */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url
    .trim()
    .replace(/\/+$/, "")
    .replace(/\.git$/, "");
  try {
    const u = new URL(trimmed);
    u.username = "";
    u.password = "";
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname}`;
  } catch {
    return trimmed;
  }
}
