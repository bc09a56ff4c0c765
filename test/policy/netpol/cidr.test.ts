import { BlockList } from 'node:net';
import fc from 'fast-check';
import t from 'tap';
import { blockContainsIp, blockCoversRange, blockOverlapsRange, parseCidr, parseIp } from '../../../src/policy/netpol/cidr.ts';
import type { Cidr, IpBlock } from '../../../src/policy/objects/model.ts';

const cidr = (text: string): Cidr => {
  const c = parseCidr(text);
  if (c === undefined) throw new Error(`bad test CIDR ${text}`);
  return c;
};
const block = (text: string, ...except: string[]): IpBlock => ({ cidr: cidr(text), except: except.map(cidr) });
const ip = (text: string): { family: 4 | 6; value: bigint } => {
  const parsed = parseIp(text);
  if (parsed === undefined) throw new Error(`bad test IP ${text}`);
  return parsed;
};

t.test('parseIp', async (t) => {
  const cases: { name: string; text: string; expect: { family: 4 | 6; value: bigint } | undefined }[] = [
    { name: 'a dotted quad is read as its 32-bit value', text: '10.1.2.3', expect: { family: 4, value: 0x0a010203n } },
    { name: 'the all-ones IPv4 address is the largest', text: '255.255.255.255', expect: { family: 4, value: 0xffffffffn } },
    { name: 'an IPv4 octet with a leading zero is refused (ambiguous octal)', text: '10.01.2.3', expect: undefined },
    { name: 'an IPv4 octet over 255 is refused', text: '10.256.2.3', expect: undefined },
    { name: 'three octets are not an address', text: '10.1.2', expect: undefined },
    { name: 'surrounding space is refused', text: ' 10.1.2.3', expect: undefined },
    { name: 'a full IPv6 address is read group by group', text: '2001:db8:0:0:0:0:0:1', expect: { family: 6, value: 0x20010db8000000000000000000000001n } },
    { name: ':: in the middle expands to the missing zero groups', text: '2001:db8::1', expect: { family: 6, value: 0x20010db8000000000000000000000001n } },
    { name: ':: alone is the zero address', text: '::', expect: { family: 6, value: 0n } },
    { name: ':: at the end fills the low groups', text: 'fd00::', expect: { family: 6, value: 0xfd000000000000000000000000000000n } },
    { name: 'an embedded IPv4 tail fills the last two groups', text: '::ffff:10.0.0.1', expect: { family: 6, value: 0xffff0a000001n } },
    { name: 'upper-case hex digits are read', text: 'FD00::AB', expect: { family: 6, value: 0xfd0000000000000000000000000000abn } },
    { name: 'two :: are refused', text: '1::2::3', expect: undefined },
    { name: 'a zone id is refused', text: 'fe80::1%eth0', expect: undefined },
    { name: 'an empty string is refused', text: '', expect: undefined },
  ];
  for (const c of cases) t.same(parseIp(c.text), c.expect, c.name);
});

t.test('parseCidr', async (t) => {
  const cases: { name: string; text: string; expect: Omit<Cidr, 'text'> | undefined }[] = [
    { name: 'a /24 spans 256 addresses', text: '10.0.0.0/24', expect: { family: 4, first: 0x0a000000n, last: 0x0a0000ffn } },
    { name: 'host bits set are accepted and masked off', text: '10.0.0.77/24', expect: { family: 4, first: 0x0a000000n, last: 0x0a0000ffn } },
    { name: 'a /32 is one address', text: '10.0.0.7/32', expect: { family: 4, first: 0x0a000007n, last: 0x0a000007n } },
    { name: '0.0.0.0/0 is every IPv4 address', text: '0.0.0.0/0', expect: { family: 4, first: 0n, last: 0xffffffffn } },
    { name: 'an IPv6 /64 keeps the first four groups', text: 'fd00:1::5/64', expect: { family: 6, first: 0xfd000001000000000000000000000000n, last: 0xfd00000100000000ffffffffffffffffn } },
    { name: '::/0 is every IPv6 address', text: '::/0', expect: { family: 6, first: 0n, last: (1n << 128n) - 1n } },
    { name: 'a prefix over 32 is refused for IPv4', text: '10.0.0.0/33', expect: undefined },
    { name: 'a prefix over 128 is refused for IPv6', text: '::/129', expect: undefined },
    { name: 'a prefix with a leading zero is refused', text: '10.0.0.0/08', expect: undefined },
    { name: 'a missing prefix is refused', text: '10.0.0.0', expect: undefined },
    { name: 'an empty prefix is refused', text: '10.0.0.0/', expect: undefined },
    { name: 'two slashes are refused', text: '10.0.0.0/8/8', expect: undefined },
    { name: 'a signed prefix is refused', text: '10.0.0.0/+8', expect: undefined },
  ];
  for (const c of cases) {
    const got = parseCidr(c.text);
    t.same(got === undefined ? undefined : { family: got.family, first: got.first, last: got.last }, c.expect, c.name);
  }
  t.equal(parseCidr('10.0.0.77/24')?.text, '10.0.0.77/24', 'the text is kept as written, for messages');
});

t.test('block predicates', async (t) => {
  const cases: { name: string; got: boolean; expect: boolean }[] = [
    { name: 'an address inside the cidr is contained', got: blockContainsIp(block('10.0.0.0/8'), ip('10.2.3.4')), expect: true },
    { name: 'an address inside an except is not contained', got: blockContainsIp(block('10.0.0.0/8', '10.2.0.0/16'), ip('10.2.3.4')), expect: false },
    { name: 'an address outside the cidr is not contained', got: blockContainsIp(block('10.0.0.0/8'), ip('11.0.0.1')), expect: false },
    { name: 'an IPv6 address is never in an IPv4 block', got: blockContainsIp(block('0.0.0.0/0'), ip('::a00:1')), expect: false },
    { name: 'an IPv4 address is never in an IPv6 block', got: blockContainsIp(block('::/0'), ip('0.0.0.1')), expect: false },
    { name: 'an IPv4 except does not carve out of an IPv6 range with the same numbers', got: blockContainsIp(block('::/0', '0.0.0.0/0'), ip('::1')), expect: true },
    { name: 'a block covers a range inside it', got: blockCoversRange(block('10.0.0.0/8'), cidr('10.1.0.0/16')), expect: true },
    { name: 'a block does not cover a range an except cuts into', got: blockCoversRange(block('10.0.0.0/8', '10.1.2.0/24'), cidr('10.1.0.0/16')), expect: false },
    { name: 'a block does not cover a range wider than it', got: blockCoversRange(block('10.1.0.0/16'), cidr('10.0.0.0/8')), expect: false },
    { name: 'a block covers a range beside its excepts', got: blockCoversRange(block('10.0.0.0/8', '10.2.0.0/16'), cidr('10.1.0.0/16')), expect: true },
    { name: 'an IPv4 block covers no IPv6 range', got: blockCoversRange(block('0.0.0.0/0'), cidr('::/96')), expect: false },
    { name: 'a block overlaps a wider range around it', got: blockOverlapsRange(block('10.1.0.0/16'), cidr('10.0.0.0/8')), expect: true },
    { name: 'a block does not overlap a range its excepts fill', got: blockOverlapsRange(block('10.0.0.0/8', '10.1.0.0/17', '10.1.128.0/17'), cidr('10.1.0.0/16')), expect: false },
    { name: 'a block overlaps a range its excepts leave a gap in', got: blockOverlapsRange(block('10.0.0.0/8', '10.1.0.0/17', '10.1.192.0/18'), cidr('10.1.0.0/16')), expect: true },
    { name: '0.0.0.0/0 minus the pod CIDRs does not overlap them', got: blockOverlapsRange(block('0.0.0.0/0', '10.0.0.0/8'), cidr('10.0.0.0/8')), expect: false },
    { name: 'disjoint ranges do not overlap', got: blockOverlapsRange(block('10.0.0.0/8'), cidr('11.0.0.0/8')), expect: false },
    { name: 'an IPv6 block overlaps no IPv4 range', got: blockOverlapsRange(block('::/0'), cidr('0.0.0.0/0')), expect: false },
    { name: 'a block overlaps an IPv6 range at its last address', got: blockOverlapsRange(block('fd00::/120'), cidr('fd00::ff/128')), expect: true },
  ];
  for (const c of cases) t.equal(c.got, c.expect, c.name);
});

// Small IPv4 CIDRs inside 10.0.0.0/24, so the oracle can list every address.
const BASE = 0x0a000000;
const smallCidr = fc
  .record({ offset: fc.integer({ min: 0, max: 255 }), prefix: fc.integer({ min: 24, max: 32 }) })
  .map(({ offset, prefix }) => cidr(`10.0.0.${offset}/${prefix}`));
const smallBlock = fc
  .record({ cidr: smallCidr, except: fc.array(smallCidr, { maxLength: 4 }) })
  .map((b): IpBlock => b);
const addressesOf = (c: Cidr): bigint[] => {
  const out: bigint[] = [];
  for (let v = c.first; v <= c.last; v++) out.push(v);
  return out;
};
// The oracle: membership by listing, independent of the interval arithmetic under test.
const inBlock = (b: IpBlock, v: bigint): boolean =>
  addressesOf(b.cidr).includes(v) && !b.except.some((e) => addressesOf(e).includes(v));

t.test('properties against a brute-force oracle', async (t) => {
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(smallBlock, fc.integer({ min: 0, max: 255 }), (b, offset) => {
        const value = BigInt(BASE + offset);
        return blockContainsIp(b, { family: 4, value }) === inBlock(b, value);
      }),
    ),
    'blockContainsIp agrees with listing the block',
  );
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(smallBlock, smallCidr, (b, range) =>
        blockCoversRange(b, range) === addressesOf(range).every((v) => inBlock(b, v)),
      ),
    ),
    'blockCoversRange holds exactly when every address of the range is in the block',
  );
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(smallBlock, smallCidr, (b, range) =>
        blockOverlapsRange(b, range) === addressesOf(range).some((v) => inBlock(b, v)),
      ),
    ),
    'blockOverlapsRange holds exactly when some address of the range is in the block',
  );
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.ipV4(), (text) => {
        const parsed = parseIp(text);
        const expected = text.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
        return parsed?.family === 4 && parsed.value === BigInt(expected);
      }),
    ),
    'every dotted quad parses to its numeric value',
  );
  // node's own BlockList is the IPv6 oracle: the parsed value, written out in full, must name the same
  // address node reads from the original (possibly compressed or v4-tailed) text.
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const parsed = parseIp(text);
        if (parsed?.family !== 6) return false;
        const full = parsed.value.toString(16).padStart(32, '0').match(/.{4}/g)?.join(':') ?? '';
        const list = new BlockList();
        list.addAddress(full, 'ipv6');
        return list.check(text, 'ipv6');
      }),
    ),
    'every IPv6 form parses to the address node reads',
  );
});
