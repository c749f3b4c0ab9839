import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { classifyRepoUrl, isLocalhostName, nonPublicAddress, PatchbayError, repoUrlHost } from "@patchbay/core";
import { credentialTarget } from "./git-hosts.js";
import { addSshPin, type SshPin, sshPin } from "./ssh-pin.js";

/** Resolves a host name to every address a connection might use. */
export type Resolver = (host: string) => Promise<Array<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });
const RESOLVE_TIMEOUT_MS = 10_000;

/** What git must run with for the checked URL (see `repoTargetEnv`). */
export interface RepoTarget {
  gitConfig: Array<[string, string]>;
  /** For an ssh URL with a host name: the checked address ssh must connect to. */
  ssh?: SshPin;
}

/** Options of `checkRepoTarget`. */
export interface RepoTargetOptions {
  /** PATCHBAY_ALLOW_PRIVATE_REPOS: skip the check. */
  allowPrivate: boolean;
  /** @defaultValue the system resolver (getaddrinfo, as git and ssh use it) */
  resolve?: Resolver;
}

function refused(url: string): PatchbayError {
  // The same words whatever listens there: a job must not learn which private ports are open.
  return new PatchbayError(
    "repo_clone_failed",
    `could not clone ${url}: its host is on a loopback, link-local or private network, which this server does not clone from (PATCHBAY_ALLOW_PRIVATE_REPOS)`,
  );
}

async function resolveAll(host: string, resolve: Resolver, url: string) {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error("timed out")), RESOLVE_TIMEOUT_MS).unref(),
  );
  try {
    return await Promise.race([resolve(host), timeout]);
  } catch {
    throw new PatchbayError("repo_clone_failed", `could not clone ${url}: its host does not resolve`);
  }
}

/**
 * Checks, before cloning, that an https or ssh repository URL reaches only public addresses, as
 * the worker host would resolve them. The clone is then pinned to the checked addresses (https:
 * curl's resolve list, no redirects; ssh: HostName of the first checked address, the host key
 * checked under the URL's name), so a second DNS answer cannot lead it to this machine or a
 * private network.
 */
export async function checkRepoTarget(url: string, options: RepoTargetOptions): Promise<RepoTarget> {
  const kind = classifyRepoUrl(url);
  const host = repoUrlHost(url);
  if (options.allowPrivate || kind === null || kind === "file" || host === null) return { gitConfig: [] };
  if (isLocalhostName(host) || nonPublicAddress(host) !== null) throw refused(url);
  const literal = isIP(host) !== 0;
  const addresses = literal ? [] : await resolveAll(host, options.resolve ?? systemResolver, url);
  if (!literal && (addresses.length === 0 || addresses.some((a) => nonPublicAddress(a.address) !== null))) {
    throw refused(url);
  }
  const gitConfig: Array<[string, string]> = [["http.followRedirects", "false"]];
  if (kind === "https" && !literal) {
    const port = new URL(url).port || "443";
    const pinned = addresses.map((a) => (a.family === 6 ? `[${a.address}]` : a.address)).join(",");
    gitConfig.push(["http.curloptResolve", `${host}:${port}:${pinned}`]);
  }
  if (kind !== "ssh" || literal) return { gitConfig };
  const named = credentialTarget(url);
  // The first address is the one ssh would try first (getaddrinfo's order, kept by `verbatim`).
  return { gitConfig, ssh: sshPin(named?.hostname ?? host, named?.port, addresses[0]!.address) };
}

/** `env` with everything the checked target needs: its git configuration and the ssh pin. */
export function repoTargetEnv(env: Record<string, string>, target: RepoTarget): Record<string, string> {
  return addSshPin(addGitConfig(env, target.gitConfig), target.ssh);
}

/** `env` with git configuration entries added after any `GIT_CONFIG_*` entries it already has. */
export function addGitConfig(env: Record<string, string>, entries: Array<[string, string]>): Record<string, string> {
  if (entries.length === 0) return env;
  const start = Number(env.GIT_CONFIG_COUNT ?? 0);
  const added: Record<string, string> = { GIT_CONFIG_COUNT: String(start + entries.length) };
  entries.forEach(([key, value], i) => {
    added[`GIT_CONFIG_KEY_${start + i}`] = key;
    added[`GIT_CONFIG_VALUE_${start + i}`] = value;
  });
  return { ...env, ...added };
}
