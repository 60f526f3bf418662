import ipaddr from 'ipaddr.js';

type IP = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Why an address is refused as an outbound target. Stable: they appear in OutboundError messages
 * and logs, and operators grep for them.
 */
export type RefusalReason =
  | 'loopback'
  | 'unspecified'
  | 'private'
  | 'linkLocal'
  | 'carrierGradeNat'
  | 'uniqueLocal'
  | 'siteLocal'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'benchmarking'
  | 'documentation'
  | 'metadata'
  | 'nat64Local';

/** The reason in words, for error messages. */
export const REASON_LABELS: Readonly<Record<RefusalReason, string>> = {
  loopback: 'loopback',
  unspecified: 'unspecified ("this host")',
  private: 'private-network',
  linkLocal: 'link-local',
  carrierGradeNat: 'carrier-grade NAT',
  uniqueLocal: 'unique-local',
  siteLocal: 'site-local',
  multicast: 'multicast',
  broadcast: 'broadcast',
  reserved: 'reserved',
  benchmarking: 'benchmarking',
  documentation: 'documentation-only',
  metadata: 'cloud metadata',
  nat64Local: 'local-use NAT64',
};

export type AddressVerdict =
  | { allowed: true }
  | {
      allowed: false;
      reason: RefusalReason;
      /** Set when the address was judged by an IPv4 address embedded in it (mapped, NAT64, 6to4 ...). */
      embedded?: { via: EmbeddingKind; ipv4: string };
    };

export type EmbeddingKind = 'ipv4Mapped' | 'ipv4Compatible' | 'ipv4Translated' | 'nat64' | '6to4' | 'teredo';

type Range = readonly [IP, number];
const cidr = (text: string): Range => ipaddr.parseCIDR(text);

/**
 * Cloud metadata endpoints. Most also fall in a refused range (link-local, ULA, CGNAT), but they
 * get their own reason because reaching one is the classic SSRF credential theft. 168.63.129.16
 * (Azure's WireServer) is a public address, so nothing else would refuse it.
 */
const METADATA: readonly Range[] = [
  cidr('169.254.169.254/32'), // AWS, GCP, Azure IMDS, OpenStack, DigitalOcean, Oracle
  cidr('169.254.170.2/32'), // AWS ECS task metadata
  cidr('fd00:ec2::254/128'), // AWS IMDS over IPv6
  cidr('100.100.100.200/32'), // Alibaba Cloud
  cidr('168.63.129.16/32'), // Azure WireServer
  cidr('192.0.0.192/32'), // Oracle Cloud (legacy)
];

/**
 * IPv4 ranges that are no target for a request the server makes on a user's behalf. First match
 * wins, so narrower ranges come before the ranges that contain them. Documentation ranges are
 * refused too: they are never routed on the Internet, so only a local network could answer them.
 */
const V4_REFUSED: readonly (readonly [Range, RefusalReason])[] = [
  [cidr('0.0.0.0/8'), 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  [cidr('10.0.0.0/8'), 'private'],
  [cidr('100.64.0.0/10'), 'carrierGradeNat'],
  [cidr('127.0.0.0/8'), 'loopback'],
  [cidr('169.254.0.0/16'), 'linkLocal'],
  [cidr('172.16.0.0/12'), 'private'],
  [cidr('192.0.0.0/24'), 'reserved'], // IETF protocol assignments (DS-Lite, NAT64 discovery ...)
  [cidr('192.0.2.0/24'), 'documentation'],
  [cidr('192.88.99.0/24'), 'reserved'], // deprecated 6to4 relay anycast
  [cidr('192.168.0.0/16'), 'private'],
  [cidr('198.18.0.0/15'), 'benchmarking'],
  [cidr('198.51.100.0/24'), 'documentation'],
  [cidr('203.0.113.0/24'), 'documentation'],
  [cidr('224.0.0.0/4'), 'multicast'],
  [cidr('255.255.255.255/32'), 'broadcast'],
  [cidr('240.0.0.0/4'), 'reserved'],
];

/** IPv6 ranges refused outright (the ones that embed an IPv4 address are handled in `embeddedV4`). */
const V6_REFUSED: readonly (readonly [Range, RefusalReason])[] = [
  [cidr('::/128'), 'unspecified'],
  [cidr('::1/128'), 'loopback'],
  [cidr('64:ff9b:1::/48'), 'nat64Local'], // local-use NAT64: translates into the operator's network
  [cidr('100::/64'), 'reserved'], // discard-only
  [cidr('2001:2::/48'), 'benchmarking'],
  [cidr('2001:db8::/32'), 'documentation'],
  [cidr('3fff::/20'), 'documentation'],
  [cidr('5f00::/16'), 'reserved'], // segment routing SIDs
  [cidr('fc00::/7'), 'uniqueLocal'],
  [cidr('fe80::/10'), 'linkLocal'],
  [cidr('fec0::/10'), 'siteLocal'], // deprecated, but still routed inside some networks
  [cidr('ff00::/8'), 'multicast'],
];

const inRange = (ip: IP, [net, bits]: Range): boolean => ip.kind() === net.kind() && ip.match(net, bits);

const v4FromBytes = (bytes: number[]): ipaddr.IPv4 => new ipaddr.IPv4(bytes);

/**
 * An IPv6 address that carries an IPv4 address a packet may end up at: judged by that IPv4
 * address, so `::ffff:127.0.0.1` is as loopback as `127.0.0.1` (the OS connects to it over IPv4).
 * Teredo carries two (server and obfuscated client); both are returned.
 */
function embeddedV4(ip: ipaddr.IPv6): { via: EmbeddingKind; ipv4: ipaddr.IPv4[] } | undefined {
  const b = ip.toByteArray();
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return { via: 'ipv4Mapped', ipv4: [v4FromBytes(b.slice(12))] };
  // ::a.b.c.d (deprecated "IPv4-compatible"); :: and ::1 are matched before this is consulted.
  if (zero(0, 12)) return { via: 'ipv4Compatible', ipv4: [v4FromBytes(b.slice(12))] };
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) {
    return { via: 'ipv4Translated', ipv4: [v4FromBytes(b.slice(12))] };
  }
  if (inRange(ip, cidr('64:ff9b::/96'))) return { via: 'nat64', ipv4: [v4FromBytes(b.slice(12))] };
  if (inRange(ip, cidr('2002::/16'))) return { via: '6to4', ipv4: [v4FromBytes(b.slice(2, 6))] };
  if (inRange(ip, cidr('2001::/32'))) {
    return {
      via: 'teredo',
      ipv4: [v4FromBytes(b.slice(4, 8)), v4FromBytes(b.slice(12).map((x) => x ^ 0xff))],
    };
  }
  return undefined;
}

function judgeV4(ip: ipaddr.IPv4): RefusalReason | undefined {
  if (METADATA.some((r) => inRange(ip, r))) return 'metadata';
  return V4_REFUSED.find(([r]) => inRange(ip, r))?.[1];
}

/** Parses an address as Node reports it (dotted quad, or IPv6 without brackets); undefined if it is none. */
export function parseAddress(text: string): IP | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // isValid alone accepts "1" or "0x7f" as IPv4; only strict forms are addresses here (URLs are
  // normalized by the WHATWG parser before they get here, DNS answers are always strict).
  if (ipaddr.IPv4.isValidFourPartDecimal(bare)) return ipaddr.IPv4.parse(bare);
  if (ipaddr.IPv6.isValid(bare)) return ipaddr.IPv6.parse(bare);
  return undefined;
}

/** Whether the server may open a connection to this address on a user's behalf (ignoring the allowlist). */
export function classifyAddress(address: string | IP): AddressVerdict {
  const ip = typeof address === 'string' ? parseAddress(address) : address;
  // Not an address at all: refusing is the only safe answer; callers pass DNS answers and literals.
  if (!ip) return { allowed: false, reason: 'reserved' };
  if (ip.kind() === 'ipv4') {
    const reason = judgeV4(ip as ipaddr.IPv4);
    return reason ? { allowed: false, reason } : { allowed: true };
  }
  const v6 = ip as ipaddr.IPv6;
  if (METADATA.some((r) => inRange(v6, r))) return { allowed: false, reason: 'metadata' };
  const direct = V6_REFUSED.find(([r]) => inRange(v6, r))?.[1];
  if (direct) return { allowed: false, reason: direct };
  const embedded = embeddedV4(v6);
  for (const v4 of embedded?.ipv4 ?? []) {
    const reason = judgeV4(v4);
    if (reason) return { allowed: false, reason, embedded: { via: embedded!.via, ipv4: v4.toString() } };
  }
  return { allowed: true };
}

/**
 * The parsed OUTBOUND_ALLOWED_HOSTS: the one way to let the server reach a refused address (tests,
 * intranet webhooks). Hostnames match the URL's host exactly (case-insensitive, trailing dot
 * ignored) and then allow whatever it resolves to; CIDRs (or single addresses) match the address
 * connected to, whatever name led there.
 */
export interface AllowList {
  hosts: ReadonlySet<string>;
  ranges: readonly Range[];
}

export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), ranges: [] };

const normalizeHostname = (host: string): string => host.toLowerCase().replace(/\.$/, '');

/** RFC 1123 labels; underscores tolerated because internal DNS names use them. */
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** The problem with one OUTBOUND_ALLOWED_HOSTS entry, or undefined when it is a hostname, address or CIDR. */
export function allowedHostProblem(entry: string): string | undefined {
  if (entry.includes('/')) {
    return ipaddr.isValidCIDR(entry) && parseAddress(entry.slice(0, entry.indexOf('/')))
      ? undefined
      : `"${entry}" is not a CIDR like 10.0.0.0/8 or fd00::/8`;
  }
  if (parseAddress(entry)) return undefined;
  return HOSTNAME.test(normalizeHostname(entry)) ? undefined : `"${entry}" is not a hostname, address or CIDR`;
}

/** Parses OUTBOUND_ALLOWED_HOSTS entries (already split); throws on the first invalid one. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const ranges: Range[] = [];
  for (const raw of entries.map((e) => e.trim()).filter(Boolean)) {
    const problem = allowedHostProblem(raw);
    if (problem) throw new Error(`OUTBOUND_ALLOWED_HOSTS: ${problem}`);
    if (raw.includes('/')) ranges.push(ipaddr.parseCIDR(raw));
    else {
      const ip = parseAddress(raw);
      if (ip) ranges.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
      else hosts.add(normalizeHostname(raw));
    }
  }
  return { hosts, ranges };
}

export const isAllowedHost = (list: AllowList, hostname: string): boolean =>
  list.hosts.has(normalizeHostname(hostname));

/** Whether an allowlisted CIDR covers the address; an IPv4-mapped IPv6 address also matches IPv4 ranges. */
export function isAllowedAddress(list: AllowList, address: string): boolean {
  const ip = parseAddress(address);
  if (!ip) return false;
  const forms: IP[] = [ip];
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress()) forms.push((ip as ipaddr.IPv6).toIPv4Address());
  return list.ranges.some((r) => forms.some((f) => inRange(f, r)));
}

/** The verdict for one resolved address of `hostname`, allowlist included. */
export function checkTarget(list: AllowList, hostname: string, address: string): AddressVerdict {
  if (isAllowedHost(list, hostname) || isAllowedAddress(list, address)) return { allowed: true };
  return classifyAddress(address);
}
