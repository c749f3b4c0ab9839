import { isLocalhostName, nonPublicAddress } from "./addresses.js";

/** The transports a job's repository may use; `file` only where the operator allows it. */
export type RepoUrlKind = "https" | "ssh" | "file";

// Whitespace and control characters have no place in a git URL and are how argument and
// header injection start.
function hasUnsafeCharacters(url: string): boolean {
  return /\s/.test(url) || [...url].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
}
const SCP_LIKE = /^[A-Za-z0-9._][A-Za-z0-9._-]*@[A-Za-z0-9][A-Za-z0-9.-]*:(?!-)[^\s]+$/;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The transport of a repository URL, or null when it is not one Patchbay clones. */
export function classifyRepoUrl(url: string): RepoUrlKind | null {
  if (hasUnsafeCharacters(url) || url.startsWith("-")) return null;
  if (SCP_LIKE.test(url)) return "ssh";
  if (url.startsWith("/")) return url.startsWith("//") ? null : "file";
  const parsed = parse(url);
  if (!parsed) return null;
  if (parsed.protocol === "file:") return parsed.host === "" && parsed.pathname.length > 1 ? "file" : null;
  if (parsed.hostname === "" || startsWithDash(parsed.hostname) || startsWithDash(parsed.username)) return null;
  if (parsed.protocol === "https:") return parsed.password === "" ? "https" : null;
  if (parsed.protocol === "ssh:") return "ssh";
  return null;
}

// git and ssh would read a leading "-" (also percent-encoded) in a user or host as an option.
function startsWithDash(part: string): boolean {
  try {
    return decodeURIComponent(part).startsWith("-");
  } catch {
    return true;
  }
}

/**
 * The host an https or ssh repository URL names, as the resolver will read it (IPv4 in any
 * notation made dotted-decimal, IPv6 without brackets); null for file URLs and paths.
 */
export function repoUrlHost(url: string): string | null {
  const kind = classifyRepoUrl(url);
  if (kind === null || kind === "file") return null;
  const raw = SCP_LIKE.test(url) ? url.slice(url.indexOf("@") + 1, url.indexOf(":")) : (parse(url)?.hostname ?? "");
  // ssh:// hosts are left as written by the URL parser; parsing them as https canonicalizes
  // `0x7f.1` or `2130706433` to the 127.0.0.1 that getaddrinfo would make of them.
  const host = parse(`https://${raw}/`)?.hostname ?? raw;
  return host.replace(/^\[|\]$/g, "");
}

/** Why the URL's host is a target this server refuses (this machine, a private network), or null. */
export function repoHostProblem(url: string): string | null {
  const host = repoUrlHost(url);
  if (host === null) return null;
  const kind = isLocalhostName(host) ? "loopback" : nonPublicAddress(host);
  if (kind === null) return null;
  return `repo.url names a ${kind} address (${host}); repositories on loopback, link-local and private networks are disabled on this server (PATCHBAY_ALLOW_PRIVATE_REPOS)`;
}

/** What a server accepts as `repo.url`. */
export interface RepoUrlPolicy {
  /** file:// URLs and host paths (PATCHBAY_ALLOW_FILE_REPOS). */
  allowFile: boolean;
  /** Hosts that are loopback, link-local, private or unspecified addresses (PATCHBAY_ALLOW_PRIVATE_REPOS). @defaultValue false */
  allowPrivate?: boolean;
}

/** Why a repository URL is refused under this policy, or null when it is accepted. */
export function repoUrlProblem(url: string, policy: RepoUrlPolicy): string | null {
  const kind = classifyRepoUrl(url);
  if (kind === null) {
    return "repo.url must be an https:// URL (no password in it: use a project secret), an ssh:// or git@host:path URL, or (where enabled) a file:// URL";
  }
  if (kind === "file" && !policy.allowFile) {
    return "file:// repositories are disabled on this server (PATCHBAY_ALLOW_FILE_REPOS); use an https or ssh URL";
  }
  return policy.allowPrivate ? null : repoHostProblem(url);
}
