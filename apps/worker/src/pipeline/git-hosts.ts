/** The host a git URL talks to, for deciding which credential it may get. */
export interface CredentialTarget {
  scheme: "https" | "ssh";
  /** Lower-case host name (IPv6 without brackets). */
  hostname: string;
  /** The port the URL names; absent for the scheme's default. */
  port?: number;
  /** `hostname` or `hostname:port`, for messages. */
  host: string;
}

/** One entry of GIT_HTTPS_HOSTS / GIT_SSH_HOSTS: a host, and a port when the entry names one. */
export interface HostEntry {
  hostname: string;
  port?: number;
}

const DEFAULT_PORT = { https: 443, ssh: 22 } as const;

/**
 * The host of an https or ssh git URL (`https://h/…`, `ssh://u@h:p/…`, scp-like `u@h:path`);
 * null for anything else (file://, local paths), which gets no credential.
 */
export function credentialTarget(url: string): CredentialTarget | null {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  if (scheme === "https" || scheme === "ssh" || scheme === "git+ssh" || scheme === "ssh+git") {
    let parsed: URL;
    try {
      parsed = new URL(scheme === "https" ? url : `ssh://${url.slice(url.indexOf("://") + 3)}`);
    } catch {
      return null;
    }
    const kind = scheme === "https" ? "https" : "ssh";
    const port = parsed.port === "" ? undefined : Number(parsed.port);
    return target(kind, parsed.hostname.replace(/^\[|\]$/g, ""), port === DEFAULT_PORT[kind] ? undefined : port);
  }
  if (scheme) return null;
  // scp-like: [user@]host:path, where no slash comes before the colon (git's own rule).
  const scp = /^(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+):/.exec(url);
  return scp ? target("ssh", scp[1]!.replace(/^\[|\]$/g, "")) : null;
}

function target(scheme: "https" | "ssh", hostname: string, port?: number): CredentialTarget | null {
  if (hostname === "") return null;
  const lower = hostname.toLowerCase();
  return { scheme, hostname: lower, ...(port ? { port } : {}), host: port ? `${lower}:${port}` : lower };
}

/** The entries of a comma-separated host list (`git.example.com, git.internal:8443`). */
export function parseHosts(value: string | undefined): HostEntry[] {
  const entries: HostEntry[] = [];
  for (const raw of (value ?? "").split(/[,\s]+/)) {
    const item = raw.trim().toLowerCase();
    if (item === "") continue;
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(item);
    if (!match) continue;
    const hostname = match[1]!.replace(/^\[|\]$/g, "");
    entries.push({ hostname, ...(match[2] ? { port: Number(match[2]) } : {}) });
  }
  return entries;
}

/**
 * Whether the URL's host is on the list: the same host name exactly (no wildcards, no
 * subdomains), and the same port when the entry names one (the scheme's default port counts).
 */
export function hostAllowed(to: CredentialTarget, entries: readonly HostEntry[]): boolean {
  const port = to.port ?? DEFAULT_PORT[to.scheme];
  return entries.some((e) => e.hostname === to.hostname && (e.port === undefined || e.port === port));
}
