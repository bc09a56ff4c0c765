import { Readable } from 'node:stream';
import t from 'tap';
import { NsguardError } from '../../src/errors.ts';
import { readBounded } from '../../src/cli/io.ts';

t.test('standard input is read whole up to its limit, and refused with a usage error past it', async (t) => {
  const chunks = () => Readable.from([Buffer.from('kind: '), Buffer.from('List\n')]);
  t.equal(await readBounded(chunks(), 11), 'kind: List\n', 'at the limit');
  const err = await readBounded(chunks(), 10).catch((e: unknown) => e);
  t.ok(err instanceof NsguardError && err.code === 'NSG_USAGE', 'a usage error, not a crash');
  t.match((err as Error).message, /standard input is larger than 10 bytes/);
});
