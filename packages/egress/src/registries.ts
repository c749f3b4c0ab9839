import { execFile } from "node:child_process";
import { formatHostRule, normalizeHost } from "./rules.js";

/** The package registries the worker host's own package managers are configured to use. */
export interface HostRegistries {
  /** Allowlist rules for those registries (host, with the port when it is not the scheme's default). */
  hosts: string[];
  /** `npm config get registry`, when npm answers with an http(s) URL. */
  npmRegistry: string | null;
  /** pip's index-url and extra-index-url (http(s) only; file: indexes are ignored), pip's default when none is set. */
  pipIndexUrls: string[];
  /**
   * The CA bundle those package managers trust (npm's `cafile`, else pip's `cert`), or null:
   * networks that inspect TLS sign with their own CA, and setup must trust what the host trusts.
   */
  caBundle: string | null;
}

export interface HostRegistriesOptions {
  /** Environment for the package managers (default: the worker's own). */
  env?: NodeJS.ProcessEnv;
  /** Per command; a tool that does not answer in time counts as missing. */
  timeoutMs?: number;
}

type Run = (file: string, args: string[]) => Promise<string | null>;

function runner(options: HostRegistriesOptions): Run {
  return (file, args) =>
    new Promise((resolve) => {
      execFile(file, args, { env: options.env, timeout: options.timeoutMs ?? 10_000 }, (err, stdout) => {
        resolve(err ? null : stdout);
      });
    });
}

/** Asks pip itself for its built-in index and the host its files come from (no host name written here). */
const PIP_DEFAULTS = [
  "import json",
  "from pip._internal.models.index import PyPI",
  "print(json.dumps([PyPI.simple_url, PyPI.file_storage_domain]))",
].join("\n");

/**
 * Reads the registries from the worker host's npm (`npm config get registry`) and pip
 * (`pip config list`: index-url, extra-index-url; pip's own default index when none is set).
 * Missing tools are skipped; nothing is hard-coded.
 */
export async function hostPackageRegistries(options: HostRegistriesOptions = {}): Promise<HostRegistries> {
  const run = runner(options);
  const [npmOut, pip] = await Promise.all([run("npm", ["config", "get", "registry", "cafile"]), pipIndexes(run)]);
  const npm = parseNpmConfig(npmOut ?? "");
  const npmRegistry = httpUrl(npm.registry ?? "");
  const urls = [...(npmRegistry ? [npmRegistry] : []), ...pip.urls];
  const hosts = [...new Set([...urls.map(hostRule), ...pip.extraHosts])];
  const caBundle = [npm.cafile, pip.cert].find((f) => f?.startsWith("/")) ?? null;
  return { hosts, npmRegistry, pipIndexUrls: pip.urls, caBundle };
}

/** `npm config get registry cafile` prints `key=value` lines; "null"/"undefined" mean unset. */
export function parseNpmConfig(text: string): { registry?: string; cafile?: string } {
  const out: { registry?: string; cafile?: string } = {};
  for (const line of text.split("\n")) {
    const m = /^(registry|cafile)=(.*)$/.exec(line.trim());
    if (m && m[2] !== "null" && m[2] !== "undefined" && m[2] !== "") out[m[1] as "registry" | "cafile"] = m[2];
  }
  return out;
}

async function pipIndexes(run: Run): Promise<{ urls: string[]; extraHosts: string[]; cert?: string }> {
  let pip: string[] | null = null;
  for (const candidate of [["python3", "-m", "pip"], ["pip3"], ["pip"]]) {
    const [cmd = "", ...pre] = candidate;
    if ((await run(cmd, [...pre, "--version"])) !== null) {
      pip = candidate;
      break;
    }
  }
  if (!pip) return { urls: [], extraHosts: [] };
  const [cmd = "", ...pre] = pip;
  const listed = parsePipConfigList((await run(cmd, [...pre, "config", "list"])) ?? "");
  const python = cmd === "python3";
  const defaults = python ? parsePipDefaults(await run("python3", ["-c", PIP_DEFAULTS])) : null;
  const hasIndexUrl = listed.indexUrls.length > 0;
  const urls = [...new Set([...(hasIndexUrl ? [] : defaults ? [defaults.index] : []), ...listed.all])]
    .map(httpUrl)
    .filter((u): u is string => u !== null);
  // Files of the default index live on another host; allow it only when that index is in use.
  const usesDefault = defaults !== null && urls.some((u) => new URL(u).host === new URL(defaults.index).host);
  const extraHosts = usesDefault && defaults ? [normalizeHost(defaults.files)] : [];
  return { urls, extraHosts, ...(listed.cert ? { cert: listed.cert } : {}) };
}

/** `pip config list` lines (`global.index-url='…'`, `:env:.extra-index-url='a b'`) → index URLs. */
export function parsePipConfigList(text: string): { indexUrls: string[]; all: string[]; cert?: string } {
  const indexUrls: string[] = [];
  const all: string[] = [];
  let cert: string | undefined;
  for (const line of text.split("\n")) {
    const certLine = /^[^=]*\.cert=(.*)$/.exec(line.trim());
    if (certLine) cert = unquote(certLine[1] as string);
    const m = /^[^=]*\.(index-url|extra-index-url)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const value = unquote(m[2] as string);
    const urls = value.split(/\s+|\\n/).filter((u) => u.length > 0);
    if (m[1] === "index-url") indexUrls.push(...urls);
    all.push(...urls);
  }
  return { indexUrls, all, ...(cert ? { cert } : {}) };
}

function unquote(value: string): string {
  const v = value.trim();
  return /^(['"]).*\1$/s.test(v) ? v.slice(1, -1) : v;
}

function parsePipDefaults(out: string | null): { index: string; files: string } | null {
  try {
    const [index, files] = JSON.parse(out ?? "") as unknown[];
    return typeof index === "string" && typeof files === "string" ? { index, files } : null;
  } catch {
    return null;
  }
}

function httpUrl(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? text : null;
  } catch {
    return null;
  }
}

function hostRule(url: string): string {
  const u = new URL(url);
  return formatHostRule({ host: normalizeHost(u.hostname), wildcard: false, port: u.port ? Number(u.port) : null });
}
