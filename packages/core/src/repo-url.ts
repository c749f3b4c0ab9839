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
  if (parsed.hostname === "" || parsed.hostname.startsWith("-")) return null;
  if (parsed.protocol === "https:") return parsed.password === "" ? "https" : null;
  if (parsed.protocol === "ssh:") return "ssh";
  return null;
}

/** Why a repository URL is refused under this policy, or null when it is accepted. */
export function repoUrlProblem(url: string, policy: { allowFile: boolean }): string | null {
  const kind = classifyRepoUrl(url);
  if (kind === null) {
    return "repo.url must be an https:// URL (no password in it: use a project secret), an ssh:// or git@host:path URL, or (where enabled) a file:// URL";
  }
  if (kind === "file" && !policy.allowFile) {
    return "file:// repositories are disabled on this server (PATCHBAY_ALLOW_FILE_REPOS); use an https or ssh URL";
  }
  return null;
}
