// Address arithmetic for the full-tunnel guard: whether a set of routes, however it is split,
// sends every address of a family through the tunnel. Comparing strings would let
// `0.0.0.0/1, 128.0.0.0/1` (or four /2s) through where `0.0.0.0/0` is caught.
import { isIPv4, isIPv6 } from 'node:net';

interface Range {
  family: 4 | 6;
  first: bigint;
  last: bigint;
  /** The route as it was given, for messages. */
  text: string;
}

const BITS = { 4: 32, 6: 128 } as const;

function ipv4Value(address: string): bigint {
  return address.split('.').reduce((total, part) => total * 256n + BigInt(Number(part)), 0n);
}

function ipv6Value(address: string): bigint {
  // An IPv4 tail (::ffff:192.0.2.1) is two groups written another way.
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  let text = address;
  if (tail) {
    const value = ipv4Value(tail[1]);
    text = `${address.slice(0, tail.index)}${(value >> 16n).toString(16)}:${(value & 0xffffn).toString(16)}`;
  }
  const [head, rest] = text.split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(rest);
  const all =
    rest === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return all.reduce((total, group) => total * 0x10000n + BigInt(`0x${group || '0'}`), 0n);
}

/** `10.0.0.0/8`, `fd00::/8`, or a bare address (one host); undefined when it is neither. */
export function parseCidr(text: string): Range | undefined {
  const [address, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
  if (family === undefined) return undefined;
  const bits = BITS[family];
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  const size = 1n << BigInt(bits - prefix);
  const first = value - (value % size);
  return { family, first, last: first + size - 1n, text: text.trim() };
}

/** An IPv4 netmask (255.255.0.0) as a prefix length; undefined when its bits are not contiguous. */
export function netmaskPrefix(netmask: string): number | undefined {
  if (!isIPv4(netmask)) return undefined;
  const value = ipv4Value(netmask);
  const inverted = ~value & 0xffffffffn;
  // A contiguous mask's complement is 2^n - 1.
  if ((inverted & (inverted + 1n)) !== 0n) return undefined;
  return 32 - inverted.toString(2).replace(/^0+/, '').length;
}

export interface DefaultCover {
  /** The default route covered: 0.0.0.0/0 or ::/0. */
  defaultRoute: string;
  /** The routes that together cover it, widest first, without ones the others make useless. */
  routes: string[];
}

function covers(ranges: Range[], family: 4 | 6): boolean {
  const sorted = ranges.filter((range) => range.family === family);
  sorted.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = 0n;
  for (const range of sorted) {
    if (range.first > next) return false;
    if (range.last + 1n > next) next = range.last + 1n;
  }
  return next === 1n << BigInt(BITS[family]);
}

/**
 * Which default routes (IPv4, IPv6) the given routes cover between them, and which of the routes
 * do it. Entries that are not CIDRs or addresses are ignored.
 */
export function coveredDefaultRoutes(cidrs: string[]): DefaultCover[] {
  const ranges = cidrs.map(parseCidr).filter((range): range is Range => range !== undefined);
  const found: DefaultCover[] = [];
  for (const family of [4, 6] as const) {
    if (!covers(ranges, family)) continue;
    // Widest first, keeping each route that adds something, until the family is covered.
    const widest = ranges
      .filter((range) => range.family === family)
      .sort((a, b) => {
        const sizeA = a.last - a.first;
        const sizeB = b.last - b.first;
        return sizeA > sizeB ? -1 : sizeA < sizeB ? 1 : a.first < b.first ? -1 : 1;
      });
    const kept: Range[] = [];
    for (const range of widest) {
      if (kept.some((other) => other.first <= range.first && other.last >= range.last)) continue;
      kept.push(range);
      if (covers(kept, family)) break;
    }
    found.push({
      defaultRoute: family === 4 ? '0.0.0.0/0' : '::/0',
      routes: [...new Set(kept.map((range) => range.text))],
    });
  }
  return found;
}

/** `0.0.0.0/1, 128.0.0.0/1, which together cover the default route 0.0.0.0/0`, or shorter. */
export function describeCover(cover: DefaultCover): string {
  const [first] = cover.routes;
  if (cover.routes.length > 1) {
    return `${cover.routes.join(', ')}, which together cover the default route ${cover.defaultRoute}`;
  }
  return first === cover.defaultRoute
    ? `${first}, the default route`
    : `${first}, which covers the default route ${cover.defaultRoute}`;
}
