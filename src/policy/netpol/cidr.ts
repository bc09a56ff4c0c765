import { isIPv4, isIPv6 } from 'node:net';
import type { Cidr, IpBlock } from '../objects/model.ts';

/** An address as a big integer, so v4 and v6 share the range arithmetic of `Cidr`. */
export interface Ip {
  readonly family: 4 | 6;
  readonly value: bigint;
}

const BITS = { 4: 32, 6: 128 } as const;

/** Dotted-quad IPv4 or IPv6 (with `::` and an embedded IPv4 tail); zones (`%eth0`) are not addresses a
 * NetworkPolicy can name, so they are refused. */
export function parseIp(text: string): Ip | undefined {
  if (isIPv4(text)) return { family: 4, value: parseV4(text) };
  if (isIPv6(text) && !text.includes('%')) return { family: 6, value: parseV6(text) };
  return undefined;
}

function parseV4(text: string): bigint {
  return text.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

// isIPv6 has already checked the syntax, so this only has to expand it.
function parseV6(text: string): bigint {
  const [head = '', tail] = text.split('::');
  const groupsOf = (part: string): bigint[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (group.includes('.')) {
        const v4 = parseV4(group);
        return [v4 >> 16n, v4 & 0xffffn];
      }
      return [BigInt(`0x${group}`)];
    });
  };
  const left = groupsOf(head);
  const right = tail === undefined ? [] : groupsOf(tail);
  const zeros: bigint[] = new Array<bigint>(8 - left.length - right.length).fill(0n);
  return [...left, ...zeros, ...right].reduce((acc, group) => (acc << 16n) | group, 0n);
}

/** `addr/prefix`. Host bits may be set (Go's net.ParseCIDR and the API accept `10.0.0.1/8`); the range
 * is that of the network. */
export function parseCidr(text: string): Cidr | undefined {
  const parts = text.split('/');
  if (parts.length !== 2) return undefined;
  const [address = '', prefixText = ''] = parts;
  const ip = parseIp(address);
  if (ip === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const bits = BITS[ip.family];
  const prefix = Number(prefixText);
  if (prefix > bits) return undefined;
  const hostMask = (1n << BigInt(bits - prefix)) - 1n;
  const first = ip.value & ~hostMask;
  return { text, family: ip.family, first, last: first | hostMask };
}

/** The ipBlock rule: inside `cidr` and inside none of `except`. */
export function blockContainsIp(block: IpBlock, ip: Ip): boolean {
  const inside = (c: Cidr): boolean => c.family === ip.family && c.first <= ip.value && ip.value <= c.last;
  return inside(block.cidr) && !block.except.some(inside);
}

/** Every address of `range` is in the block minus its excepts. */
export function blockCoversRange(block: IpBlock, range: Cidr): boolean {
  const { cidr } = block;
  if (cidr.family !== range.family || range.first < cidr.first || range.last > cidr.last) return false;
  return !block.except.some((e) => e.family === range.family && e.first <= range.last && range.first <= e.last);
}

/** Some address of `range` is in the block minus its excepts. */
export function blockOverlapsRange(block: IpBlock, range: Cidr): boolean {
  const { cidr } = block;
  if (cidr.family !== range.family) return false;
  const first = cidr.first > range.first ? cidr.first : range.first;
  const last = cidr.last < range.last ? cidr.last : range.last;
  if (first > last) return false;
  // Walk the excepts in order: the overlap survives if some address of [first, last] is left uncovered.
  // Excepts are not assumed disjoint or inside the cidr, since state files are not API-validated.
  const excepts = block.except
    .filter((e) => e.family === range.family && e.last >= first && e.first <= last)
    .toSorted((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  let next = first;
  for (const e of excepts) {
    if (e.first > next) return true;
    if (e.last >= next) next = e.last + 1n;
    if (next > last) return false;
  }
  return next <= last;
}
