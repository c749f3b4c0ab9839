import type { HostRegistries } from "@patchbay/egress";

/** Where a setup sandbox sees its project's dependency cache (ProjectCaches). */
export const CACHE_MOUNT = "/run/patchbay/cache";

/** The package registries the worker host's own npm and pip use (read at start-up). */
export type { HostRegistries };

/**
 * Environment that points npm, pnpm, yarn, pip and poetry at the project's cache volume; venvs
 * stay inside the checkout (poetry) so the environment snapshot keeps them.
 */
export function cacheEnv(): Record<string, string> {
  return {
    npm_config_cache: `${CACHE_MOUNT}/npm`,
    npm_config_store_dir: `${CACHE_MOUNT}/pnpm-store`,
    YARN_CACHE_FOLDER: `${CACHE_MOUNT}/yarn`,
    YARN_ENABLE_GLOBAL_CACHE: "true",
    YARN_GLOBAL_FOLDER: `${CACHE_MOUNT}/yarn-berry`,
    PIP_CACHE_DIR: `${CACHE_MOUNT}/pip`,
    POETRY_CACHE_DIR: `${CACHE_MOUNT}/poetry`,
    POETRY_VIRTUALENVS_IN_PROJECT: "true",
    COREPACK_ENABLE_DOWNLOAD_PROMPT: "0",
  };
}

/**
 * For every setup command: no requests that install nothing. npm's update check fetches npm's own
 * metadata (megabytes) on every fresh cache and pip's asks its index; npm's audit posts the whole
 * dependency tree to the registry and its report (like the funding notice) is read by nobody in
 * a setup log.
 */
export const NO_SIDE_REQUESTS: Readonly<Record<string, string>> = {
  npm_config_update_notifier: "false",
  npm_config_audit: "false",
  npm_config_fund: "false",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
};

/** Environment naming the host's registries for tools that do not read ~/.npmrc (yarn berry, corepack). */
export function registryEnv(registries: HostRegistries): Record<string, string> {
  if (!registries.npmRegistry) return {};
  return { YARN_NPM_REGISTRY_SERVER: registries.npmRegistry, COREPACK_NPM_REGISTRY: registries.npmRegistry };
}

/**
 * User-level configuration files (lower precedence than a repository's own .npmrc or pip
 * settings) that send npm and pip to the registries the host uses, so the default allowlist
 * covers them.
 */
export function registryFiles(registries: HostRegistries): Array<{ path: string; content: string }> {
  const files: Array<{ path: string; content: string }> = [];
  if (registries.npmRegistry)
    files.push({ path: "/home/sandbox/.npmrc", content: `registry=${registries.npmRegistry}\n` });
  const [index, ...extra] = registries.pipIndexUrls;
  if (index) {
    const lines = [
      "[global]",
      `index-url = ${index}`,
      ...(extra.length ? [`extra-index-url = ${extra.join(" ")}`] : []),
    ];
    files.push({ path: "/home/sandbox/.config/pip/pip.conf", content: `${lines.join("\n")}\n` });
  }
  return files;
}

/** A shell command writing `files` (content passed base64, so no quoting can break it). */
export function writeFilesCommand(files: Array<{ path: string; content: string }>): string | null {
  if (files.length === 0) return null;
  return files
    .map((f) => {
      const data = Buffer.from(f.content).toString("base64");
      return `mkdir -p "$(dirname '${f.path}')" && echo ${data} | base64 -d > '${f.path}'`;
    })
    .join(" && ");
}
