import { formatHostRule, type HostRule, HostRuleSchema, normalizeHost, parseHostRule } from "@patchbay/core";

// Parsing lives in core (the JobSpec and project settings validate with it); matching lives here.
export { formatHostRule, type HostRule, HostRuleSchema, normalizeHost, parseHostRule };

/** Parses rules for matching; a rule that does not parse matches nothing. */
export function compileRules(rules: readonly string[]): HostRule[] {
  return rules.flatMap((text) => {
    const parsed = parseHostRule(text);
    return "rule" in parsed ? [parsed.rule] : [];
  });
}

/** Whether one compiled rule lets `host` (normalized) through on `port`. */
export function ruleMatches(rule: HostRule, host: string, port: number | null): boolean {
  if (rule.port !== null && rule.port !== port) return false;
  if (!rule.wildcard) return host === rule.host;
  return host.length > rule.host.length + 1 && host.endsWith(`.${rule.host}`);
}

/**
 * Whether `host` (optionally on `port`) is on the allowlist `rules`. A rule without a port allows
 * every port; `*.suffix` matches subdomains only. Matching ignores case and a trailing dot.
 */
export function hostAllowed(host: string, rules: readonly string[], port?: number): boolean {
  return anyRuleMatches(compileRules(rules), host, port ?? null);
}

/** hostAllowed for rules compiled once (the proxy's per-connection check). */
export function anyRuleMatches(rules: readonly HostRule[], host: string, port: number | null): boolean {
  const h = normalizeHost(host);
  return rules.some((rule) => ruleMatches(rule, h, port));
}
