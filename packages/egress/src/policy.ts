import { PatchbayError } from "@patchbay/core";
import { anyRuleMatches, compileRules, type HostRule, parseHostRule } from "./rules.js";
import type { Refusal } from "./target.js";
import type { DoorPolicy } from "./types.js";

/** A door's policy, parsed once per change. */
export interface CompiledPolicy {
  rules: HostRule[];
  /** Upper-case method names; null = any method. */
  methods: ReadonlySet<string> | null;
}

/** Validates and compiles a policy; a bad rule is an `invalid_request` naming it. */
export function compilePolicy(policy: DoorPolicy): CompiledPolicy {
  const problems = policy.allow.flatMap((rule) => {
    const parsed = parseHostRule(rule);
    return "error" in parsed ? [parsed.error] : [];
  });
  if (problems.length > 0) {
    throw new PatchbayError("invalid_request", `Invalid allowlist: ${problems.join("; ")}`);
  }
  const methods = policy.methods ? new Set(policy.methods.map((m) => m.toUpperCase())) : null;
  return { rules: compileRules(policy.allow), methods };
}

/**
 * What the policy says about a request: null when it may go on, a 403 otherwise. `method` is
 * null for CONNECT, which the method restriction cannot see into.
 */
export function checkPolicy(
  policy: CompiledPolicy,
  host: string,
  port: number,
  method: string | null,
  denyHint: string,
): Refusal | null {
  if (!anyRuleMatches(policy.rules, host, port)) {
    const hint = denyHint.replaceAll("<host>", host);
    return {
      reason: "not_allowed",
      status: 403,
      message: `Patchbay egress proxy: ${host} (port ${port}) is not on this sandbox's allowlist, so it was not contacted.\n${hint}`,
    };
  }
  if (method !== null && policy.methods !== null && !policy.methods.has(method.toUpperCase())) {
    return {
      reason: "method_not_allowed",
      status: 403,
      message:
        `Patchbay egress proxy: ${method} requests are not allowed now (allowed: ${[...policy.methods].join(", ")}); ` +
        `${host} was not contacted.`,
    };
  }
  return null;
}
