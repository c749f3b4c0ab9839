/** Allowlist rules for the egress proxy: parsed and validated here, matched by @patchbay/egress. */
import { isIP } from "node:net";
import { z } from "zod";

/** One allowlist rule after parsing: an exact host or a `*.suffix`, with an optional port. */
export interface HostRule {
  /** Lower case, no trailing dot, IPv6 without brackets. For a wildcard: the suffix without `*.`. */
  host: string;
  wildcard: boolean;
  port: number | null;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A host as the proxy compares it: lower case, no trailing dot, IPv6 without brackets. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  if (h.endsWith(".")) h = h.slice(0, -1);
  if (isIP(h) === 6) h = new URL(`http://[${h}]/`).hostname.slice(1, -1);
  return h;
}

function isHostName(host: string): boolean {
  return host.length <= 253 && host.split(".").every((label) => LABEL.test(label));
}

/** Parses one rule, or says in words what is wrong with it. */
export function parseHostRule(text: string): { rule: HostRule } | { error: string } {
  const raw = text.trim();
  if (raw === "") return { error: "a host rule is empty" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    const host = safeUrlHost(raw);
    const hint = host ? `: write "${host}"` : "";
    return { error: `"${raw}" is a URL; a host rule is a host name with an optional port${hint}` };
  }
  if (/[/?#@\s]/.test(raw)) return { error: `"${raw}" is not a host: a rule has no path, user or spaces` };
  const { hostPart, port, error } = splitPort(raw);
  if (error) return { error };
  const wildcard = hostPart.startsWith("*.");
  const host = normalizeHost(wildcard ? hostPart.slice(2) : hostPart);
  if (hostPart.includes("*") && !wildcard) {
    return { error: `"${raw}": "*" may only start a rule, as in "*.example.org" (subdomains of example.org)` };
  }
  if (wildcard && (host.includes("*") || isIP(host) !== 0)) return { error: `"${raw}" is not a valid wildcard rule` };
  if (wildcard && !host.includes(".")) {
    return { error: `"${raw}" is too broad: name at least two labels after "*." (e.g. "*.example.org")` };
  }
  if (isIP(host) === 0 && !isHostName(host)) return { error: `"${raw}" is not a valid host name` };
  return { rule: { host, wildcard, port } };
}

function safeUrlHost(raw: string): string | null {
  try {
    return new URL(raw).host || null;
  } catch {
    return null;
  }
}

function splitPort(raw: string): { hostPart: string; port: number | null; error?: string } {
  const bracketed = /^(\[[^\]]+\])(?::(.*))?$/.exec(raw);
  let hostPart = raw;
  let portText: string | undefined;
  if (bracketed) {
    hostPart = bracketed[1] as string;
    portText = bracketed[2];
  } else if (isIP(raw) !== 6) {
    const at = raw.lastIndexOf(":");
    if (at >= 0) {
      hostPart = raw.slice(0, at);
      portText = raw.slice(at + 1);
    }
  }
  if (portText === undefined) return { hostPart, port: null };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65535)) {
    return { hostPart, port: null, error: `"${raw}": the port must be a number from 1 to 65535` };
  }
  return { hostPart, port };
}

/** The rule written back in its normal form (`*.example.org:8443`, `[::1]:80`). */
export function formatHostRule(rule: HostRule): string {
  const host = isIP(rule.host) === 6 ? `[${rule.host}]` : rule.host;
  return `${rule.wildcard ? "*." : ""}${host}${rule.port === null ? "" : `:${rule.port}`}`;
}

/**
 * One allowlist rule: `registry.example.org` (that host, any port), `registry.example.org:8443`
 * (that port only) or `*.example.org` (every subdomain of example.org, NOT example.org itself).
 * Case-insensitive; the output is the rule in normal form (lower case).
 */
export const HostRuleSchema = z.string().transform((text, ctx) => {
  const parsed = parseHostRule(text);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return formatHostRule(parsed.rule);
});
