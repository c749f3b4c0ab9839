import { BlockList, isIP } from "node:net";

/**
 * Why an address is not on the public internet: what a repository URL and the egress proxy may
 * not reach by default. The documentation and benchmarking ranges are not internal networks and
 * stay reachable: some networks (test and CI infrastructure among them) resolve public hosts there.
 */
export type NonPublicKind = "loopback" | "private" | "link-local" | "unspecified" | "reserved";

const RANGES: Array<[NonPublicKind, string, number, "ipv4" | "ipv6"]> = [
  ["unspecified", "0.0.0.0", 8, "ipv4"],
  ["private", "10.0.0.0", 8, "ipv4"],
  // Carrier-grade NAT: inside a provider's network, as reachable as private space.
  ["private", "100.64.0.0", 10, "ipv4"],
  ["loopback", "127.0.0.0", 8, "ipv4"],
  ["link-local", "169.254.0.0", 16, "ipv4"],
  ["private", "172.16.0.0", 12, "ipv4"],
  ["reserved", "192.0.0.0", 24, "ipv4"],
  ["private", "192.168.0.0", 16, "ipv4"],
  ["reserved", "224.0.0.0", 3, "ipv4"],
  ["unspecified", "::", 128, "ipv6"],
  ["loopback", "::1", 128, "ipv6"],
  ["private", "fc00::", 7, "ipv6"],
  ["link-local", "fe80::", 10, "ipv6"],
  ["private", "fec0::", 10, "ipv6"],
  ["reserved", "ff00::", 8, "ipv6"],
];

const lists = new Map<NonPublicKind, BlockList>();
for (const [kind, network, prefix, family] of RANGES) {
  const list = lists.get(kind) ?? new BlockList();
  list.addSubnet(network, prefix, family);
  lists.set(kind, list);
}

/**
 * The IPv4 address an IPv6 address carries (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::`,
 * IPv4-compatible `::a.b.c.d`, 6to4 `2002:AABB:CCDD::`), if any.
 */
function embeddedIPv4(ip: string): string | null {
  const lower = ip.toLowerCase();
  const compatible = /^::(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (compatible) return compatible[1] ?? null;
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4})(?::|$)/.exec(lower);
  if (sixToFour) return v4FromGroups(sixToFour[1], sixToFour[2]);
  const match = /^(?:::ffff:|64:ff9b::)(?:([0-9.]+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/.exec(lower);
  if (!match) return null;
  if (match[1]) return match[1];
  return v4FromGroups(match[2], match[3]);
}

function v4FromGroups(high: string | undefined, low: string | undefined): string {
  const hi = Number.parseInt(high ?? "0", 16);
  const lo = Number.parseInt(low ?? "0", 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join(".");
}

/** Which kind of non-public address `ip` is, or null when it is public (or not an IP address). */
export function nonPublicAddress(ip: string): NonPublicKind | null {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 0) return null;
  const v4 = family === 6 ? embeddedIPv4(bare) : bare;
  const [address, type] = v4 !== null && isIP(v4) === 4 ? [v4, "ipv4" as const] : [bare, "ipv6" as const];
  for (const [kind, list] of lists) if (list.check(address, type)) return kind;
  return null;
}

/** Whether a host name always means this machine (`localhost`, `*.localhost`). */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name.endsWith(".localhost");
}
