import { isIPv4 } from 'node:net';
import { parseIp } from '../policy/netpol/cidr.ts';

// Pod IPs as the cluster index keeps them. An IPv4 address is an int32, which V8 keeps unboxed (a Smi)
// in arrays and Map keys: no string per pod. IPv6 stays text, canonical (RFC 5952, as the API server
// writes it) so that every spelling of an address finds the same pods.

export type IpKey = number | string;

/** Text `parseIp` does not accept is kept as it is: it can only ever match itself. */
export function ipKey(text: string): IpKey {
  if (isIPv4(text)) {
    let key = 0;
    let octet = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x2e) [key, octet] = [(key << 8) | octet, 0];
      else octet = octet * 10 + c - 0x30;
    }
    return (key << 8) | octet;
  }
  const ip = parseIp(text);
  return ip === undefined ? text : canonicalV6(ip.value);
}

export function ipText(key: IpKey): string {
  return typeof key === 'string' ? key : `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`;
}

/** Lowercase hex without leading zeros, the first longest run of two or more zero groups as `::`. */
function canonicalV6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  let runAt = -1;
  let runLength = 1;
  for (let i = 0; i < 8; i++) {
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > runLength) [runAt, runLength] = [i, end - i];
  }
  const hex = (part: number[]): string => part.map((g) => g.toString(16)).join(':');
  return runAt < 0 ? hex(groups) : `${hex(groups.slice(0, runAt))}::${hex(groups.slice(runAt + runLength))}`;
}
