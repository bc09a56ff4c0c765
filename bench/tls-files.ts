// One serving certificate from the test CA, written to files both servers load: nsguard and the floor
// then pay for the same key type (ECDSA P-256) and the client verifies both against a real CA.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestCa } from '../test/support/test-ca.ts';

export interface TlsFiles {
  readonly ca: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export async function writeTlsFiles(dir: string): Promise<TlsFiles> {
  const ca = await createTestCa();
  const pair = await ca.issue({ commonName: 'localhost' });
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  await writeFile(certFile, pair.cert);
  await writeFile(keyFile, pair.key, { mode: 0o600 });
  return { ca: ca.cert, certFile, keyFile };
}
