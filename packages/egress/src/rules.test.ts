import { describe, expect, it } from "vitest";
import { HostRuleSchema, hostAllowed } from "./rules.js";

describe("HostRuleSchema", () => {
  it("accepts hosts, wildcards, ports and IP literals, in normal form", () => {
    expect(HostRuleSchema.parse("Registry.Example.ORG.")).toBe("registry.example.org");
    expect(HostRuleSchema.parse(" *.example.org:8443 ")).toBe("*.example.org:8443");
    expect(HostRuleSchema.parse("10.0.0.5")).toBe("10.0.0.5");
    expect(HostRuleSchema.parse("[0:0::1]:80")).toBe("[::1]:80");
    expect(HostRuleSchema.parse("::1")).toBe("[::1]");
  });

  it.each([
    ["https://registry.example.org/", /URL.*write "registry.example.org"/],
    ["", /empty/],
    ["registry.example.org/path", /no path/],
    ["user@host.org", /no path, user/],
    ["*", /valid host name|too broad|only start/],
    ["*.org", /too broad/],
    ["a.*.org", /may only start a rule/],
    ["host.org:0", /port must be a number/],
    ["host.org:70000", /port must be a number/],
    ["host.org:http", /port must be a number/],
    ["-bad-.org", /not a valid host name/],
    ["under_score.org", /not a valid host name/],
  ])("rejects %j with a message that says why", (rule, message) => {
    const parsed = HostRuleSchema.safeParse(rule);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(message);
  });
});

describe("hostAllowed", () => {
  const rules = ["registry.example.org", "*.cdn.example.net", "files.example.com:443"];

  it("matches exact hosts on any port unless the rule names one", () => {
    expect(hostAllowed("registry.example.org", rules, 443)).toBe(true);
    expect(hostAllowed("registry.example.org", rules, 8080)).toBe(true);
    expect(hostAllowed("files.example.com", rules, 443)).toBe(true);
    expect(hostAllowed("files.example.com", rules, 80)).toBe(false);
    expect(hostAllowed("other.example.org", rules, 443)).toBe(false);
  });

  it("matches *.suffix on subdomains only, never the bare suffix or a look-alike", () => {
    expect(hostAllowed("a.cdn.example.net", rules, 443)).toBe(true);
    expect(hostAllowed("x.y.cdn.example.net", rules, 443)).toBe(true);
    expect(hostAllowed("cdn.example.net", rules, 443)).toBe(false);
    expect(hostAllowed("evilcdn.example.net", rules, 443)).toBe(false);
    expect(hostAllowed("cdn.example.net.evil.org", rules, 443)).toBe(false);
  });

  it("ignores case and a trailing dot, and skips rules that do not parse", () => {
    expect(hostAllowed("REGISTRY.example.org.", rules)).toBe(true);
    expect(hostAllowed("registry.example.org", ["https://registry.example.org/"])).toBe(false);
    expect(hostAllowed("registry.example.org", [])).toBe(false);
  });
});
