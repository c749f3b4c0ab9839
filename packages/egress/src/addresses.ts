import { isIP } from "node:net";

/**
 * IPv4 ranges a sandbox must not reach through the proxy: "this network"/unspecified, private
 * (RFC 1918), shared/CGNAT, loopback, link-local (cloud metadata lives there), IETF protocol
 * assignments, multicast, reserved and broadcast. The documentation and benchmarking ranges are
 * not internal networks and stay reachable: some networks (test and CI infrastructure among
 * them) resolve public registries to such addresses.
 */
const V4_BLOCKED: ReadonlyArray<[string, number]> = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

function v4Blocked(ip: string): boolean {
  const n = v4ToInt(ip);
  return V4_BLOCKED.some(([base, bits]) => {
    const size = 2 ** (32 - bits);
    const start = v4ToInt(base);
    return n >= start && n < start + size;
  });
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail included). */
export function ipv6Groups(ip: string): number[] {
  let text = ip.toLowerCase().replace(/%.*$/, "");
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const n = v4ToInt(v4[1] as string);
    text = `${text.slice(0, v4.index)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}

function embeddedV4(groups: number[], at: number): string {
  const hi = groups[at] as number;
  const lo = groups[at + 1] as number;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join(".");
}

function v6Blocked(ip: string): boolean {
  const g = ipv6Groups(ip);
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0] = g;
  const firstFiveZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible; :: and ::1 included) carry an IPv4 address.
  if (firstFiveZero && (g5 === 0xffff || g5 === 0)) {
    if (g5 === 0 && (g[6] ?? 0) === 0) return true;
    return v4Blocked(embeddedV4(g, 6));
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return v4Blocked(embeddedV4(g, 6)); // NAT64
  }
  if (g0 === 0x2002) return v4Blocked(embeddedV4(g, 1)); // 6to4
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return true; // link-local, site-local
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return true; // discard
  return false;
}

/**
 * Whether an IP address is one the proxy refuses to dial by default: loopback, private,
 * link-local, unspecified and the other special ranges above (IPv4 inside IPv6 checked as IPv4).
 * Anything that is not an IP address counts as blocked.
 */
export function isPrivateAddress(ip: string): boolean {
  const kind = isIP(ip.replace(/%.*$/, ""));
  if (kind === 4) return v4Blocked(ip);
  if (kind === 6) return v6Blocked(ip);
  return true;
}
