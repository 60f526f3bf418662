import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadConfig, ConfigError } from '../config/env.js';
import {
  allowedHostProblem,
  checkTarget,
  classifyAddress,
  parseAllowList,
  type RefusalReason,
} from './addressPolicy.js';

const refused: [string, RefusalReason][] = [
  // loopback, in every spelling that reaches 127/8 or ::1
  ['127.0.0.1', 'loopback'],
  ['127.255.255.254', 'loopback'],
  ['::1', 'loopback'],
  ['::ffff:127.0.0.1', 'loopback'],
  ['::ffff:7f00:1', 'loopback'],
  ['::127.0.0.1', 'loopback'],
  ['::ffff:0:127.0.0.1', 'loopback'],
  ['[::1]', 'loopback'],
  // unspecified
  ['0.0.0.0', 'unspecified'],
  ['0.1.2.3', 'unspecified'],
  ['::', 'unspecified'],
  ['::ffff:0.0.0.0', 'unspecified'],
  // private
  ['10.0.0.1', 'private'],
  ['10.255.255.255', 'private'],
  ['172.16.0.1', 'private'],
  ['172.31.255.255', 'private'],
  ['192.168.1.1', 'private'],
  ['::ffff:10.1.2.3', 'private'],
  ['::ffff:c0a8:101', 'private'],
  // link-local
  ['169.254.1.1', 'linkLocal'],
  ['fe80::1', 'linkLocal'],
  ['febf::1', 'linkLocal'],
  // cloud metadata
  ['169.254.169.254', 'metadata'],
  ['::ffff:169.254.169.254', 'metadata'],
  ['fd00:ec2::254', 'metadata'],
  ['100.100.100.200', 'metadata'],
  ['168.63.129.16', 'metadata'],
  ['169.254.170.2', 'metadata'],
  // CGNAT
  ['100.64.0.1', 'carrierGradeNat'],
  ['100.127.255.255', 'carrierGradeNat'],
  // unique-local and site-local
  ['fc00::1', 'uniqueLocal'],
  ['fd12:3456:789a::1', 'uniqueLocal'],
  ['fec0::1', 'siteLocal'],
  // multicast and broadcast
  ['224.0.0.1', 'multicast'],
  ['239.255.255.250', 'multicast'],
  ['ff02::1', 'multicast'],
  ['ff05::1:3', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  // reserved, benchmarking, documentation
  ['240.0.0.1', 'reserved'],
  ['192.0.0.8', 'reserved'],
  ['198.18.0.1', 'benchmarking'],
  ['198.19.255.255', 'benchmarking'],
  ['192.0.2.1', 'documentation'],
  ['198.51.100.7', 'documentation'],
  ['203.0.113.9', 'documentation'],
  ['2001:db8::1', 'documentation'],
  ['100::1', 'reserved'],
  // IPv6 forms that carry an internal IPv4 address
  ['64:ff9b::7f00:1', 'loopback'], // NAT64 of 127.0.0.1
  ['64:ff9b::a9fe:a9fe', 'metadata'], // NAT64 of 169.254.169.254
  ['64:ff9b:1::1', 'nat64Local'],
  ['2002:7f00:1::1', 'loopback'], // 6to4 of 127.0.0.1
  ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'], // Teredo, client 10.0.0.1 (obfuscated)
  // not an address at all
  ['example.com', 'reserved'],
  ['', 'reserved'],
];

test('internal addresses are refused with the reason', () => {
  for (const [address, reason] of refused) {
    const verdict = classifyAddress(address);
    assert.deepEqual(verdict.allowed ? 'allowed' : verdict.reason, reason, address);
  }
});

test('an address judged by its embedded IPv4 says how it was embedded', () => {
  assert.deepEqual(classifyAddress('::ffff:7f00:1'), {
    allowed: false,
    reason: 'loopback',
    embedded: { via: 'ipv4Mapped', ipv4: '127.0.0.1' },
  });
  const nat64 = classifyAddress('64:ff9b::a00:1');
  assert.equal(!nat64.allowed && nat64.embedded?.via, 'nat64');
});

test('public addresses are allowed, in IPv4, IPv6 and the embedding forms of a public IPv4', () => {
  for (const address of [
    '8.8.8.8',
    '1.1.1.1',
    '93.184.215.14',
    '100.63.255.255', // just below CGNAT
    '100.128.0.0', // just above CGNAT
    '172.15.255.255',
    '172.32.0.0',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:82a::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ]) {
    assert.deepEqual(classifyAddress(address), { allowed: true }, address);
  }
});

test('the allowlist takes hostnames (case-insensitive, trailing dot ignored), addresses and CIDRs', () => {
  const list = parseAllowList(['Hooks.Intranet.Example', ' 127.0.0.1/32 ', '10.1.0.0/16', 'fd00::/8', '::1', '']);
  assert.equal(checkTarget(list, 'hooks.intranet.example', '10.9.9.9').allowed, true);
  assert.equal(checkTarget(list, 'HOOKS.INTRANET.EXAMPLE.', '192.168.0.1').allowed, true);
  assert.equal(checkTarget(list, 'other.intranet.example', '192.168.0.1').allowed, false);
  assert.equal(checkTarget(list, 'sub.hooks.intranet.example', '192.168.0.1').allowed, false, 'exact names only');
  assert.equal(checkTarget(list, 'anything', '127.0.0.1').allowed, true);
  assert.equal(checkTarget(list, 'anything', '127.0.0.2').allowed, false, '/32 is one address');
  assert.equal(checkTarget(list, 'anything', '::ffff:127.0.0.1').allowed, true, 'a mapped address matches an IPv4 CIDR');
  assert.equal(checkTarget(list, 'anything', '10.1.200.3').allowed, true);
  assert.equal(checkTarget(list, 'anything', '10.2.0.1').allowed, false);
  assert.equal(checkTarget(list, 'anything', 'fd00:ec2::254').allowed, true, 'an operator may allow even metadata');
  assert.equal(checkTarget(list, 'anything', '::1').allowed, true);
  assert.equal(checkTarget(list, 'anything', '8.8.8.8').allowed, true, 'public addresses need no entry');
});

test('an empty allowlist allows nothing internal', () => {
  const list = parseAllowList([]);
  const verdict = checkTarget(list, 'localhost', '127.0.0.1');
  assert.deepEqual(verdict, { allowed: false, reason: 'loopback' });
});

test('invalid allowlist entries are named', () => {
  for (const bad of ['10.0.0.0/33', 'fd00::/129', 'not a host', 'exa mple.com', 'http://x.example', '10.0.0.0/', 'host/8']) {
    assert.ok(allowedHostProblem(bad), bad);
    assert.throws(() => parseAllowList([bad]), /OUTBOUND_ALLOWED_HOSTS/, bad);
  }
  for (const good of ['localhost', 'hooks.example.com', 'my_host.corp', '10.0.0.0/8', '::1', '2001:db8::/32', '127.0.0.1']) {
    assert.equal(allowedHostProblem(good), undefined, good);
  }
});

test('OUTBOUND_ALLOWED_HOSTS is empty by default, read as a list, and validated at start-up', () => {
  assert.deepEqual(loadConfig({}).outboundAllowedHosts, []);
  assert.deepEqual(loadConfig({ OUTBOUND_ALLOWED_HOSTS: 'localhost, 127.0.0.1/32' }).outboundAllowedHosts, [
    'localhost',
    '127.0.0.1/32',
  ]);
  assert.throws(
    () => loadConfig({ OUTBOUND_ALLOWED_HOSTS: 'ok.example,10.0.0.0/99' }),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('OUTBOUND_ALLOWED_HOSTS: "10.0.0.0/99"')),
  );
});

const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const hex = (a: number, b: number) => ((a << 8) | b).toString(16);

test('property: an IPv4 address and its IPv6 embeddings get the same verdict', () => {
  fc.assert(
    fc.property(octets, ([a, b, c, d]) => {
      const v4 = classifyAddress(`${a}.${b}.${c}.${d}`);
      const reason = v4.allowed ? 'allowed' : v4.reason;
      for (const form of [`::ffff:${a}.${b}.${c}.${d}`, `::ffff:${hex(a, b)}:${hex(c, d)}`, `64:ff9b::${hex(a, b)}:${hex(c, d)}`, `2002:${hex(a, b)}:${hex(c, d)}::1`]) {
        const v6 = classifyAddress(form);
        assert.equal(v6.allowed ? 'allowed' : v6.reason, reason, form);
      }
    }),
    { numRuns: 2000 },
  );
});

test('property: every address in the refused IPv4 ranges is refused', () => {
  const inRange = (base: [number, number, number, number], bits: number) =>
    fc.nat(2 ** (32 - bits) - 1).map((offset) => {
      const n = ((((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0) + offset) >>> 0;
      return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    });
  const ranges: [[number, number, number, number], number][] = [
    [[127, 0, 0, 0], 8],
    [[10, 0, 0, 0], 8],
    [[172, 16, 0, 0], 12],
    [[192, 168, 0, 0], 16],
    [[169, 254, 0, 0], 16],
    [[100, 64, 0, 0], 10],
    [[0, 0, 0, 0], 8],
    [[224, 0, 0, 0], 4],
    [[240, 0, 0, 0], 4],
  ];
  fc.assert(
    fc.property(fc.oneof(...ranges.map(([base, bits]) => inRange(base, bits))), (address) => {
      assert.equal(classifyAddress(address).allowed, false, address);
    }),
    { numRuns: 2000 },
  );
});
