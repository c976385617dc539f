// Which IP addresses a remote $ref may be fetched from: public unicast only.
// A spec from someone else must not make proxyproof reach the machine it runs
// on, its network or a cloud metadata service, so loopback, unspecified,
// private, link-local, shared (CGNAT), documentation, multicast and reserved
// ranges are refused, and so is every IPv6 form that carries an IPv4 address
// (mapped, compatible, NAT64, 6to4, Teredo) since the OS may route it to that
// IPv4 address. Written out rather than with net.BlockList, which matches an
// `::ffff:0:0/96` rule against every IPv4 address.

import { isIP } from 'node:net';

/** [network, prefix length] */
const V4_BLOCKED: [string, number][] = [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 reaches the local host
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // shared address space (CGNAT)
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const V6_BLOCKED: [string, number][] = [
  ['::', 96], // unspecified, loopback and IPv4-compatible
  ['::ffff:0:0', 96], // IPv4-mapped
  ['64:ff9b::', 96], // NAT64
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments, Teredo
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

function v4Bits(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** The 128 bits of an IPv6 address (a trailing dotted quad allowed); `isIP` has checked its syntax. */
function v6Bits(address: string): bigint {
  let text = address.split('%')[0].toLowerCase();
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = v4Bits(quad[1]);
    text = `${text.slice(0, quad.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function inRanges(bits: bigint, width: number, ranges: [string, number][], toBits: (a: string) => bigint): boolean {
  return ranges.some(([net, prefix]) => {
    const shift = BigInt(width - prefix);
    return bits >> shift === toBits(net) >> shift;
  });
}

/** True only for a public unicast address (a remote $ref may be fetched from it). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.split('%')[0]);
  if (family === 4) return !inRanges(v4Bits(address), 32, V4_BLOCKED, v4Bits);
  if (family === 6) return !inRanges(v6Bits(address), 128, V6_BLOCKED, v6Bits);
  return false;
}
