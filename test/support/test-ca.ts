// A throwaway CA and serving certificates signed by it, so tests use a real verifying TLS client, and a
// Secret volume laid out as the kubelet writes it (timestamped dir, `..data` symlink, file symlinks).
import { randomBytes, webcrypto } from 'node:crypto';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificatePair } from '../../src/webhook/dev-certificate.ts';
import { loadX509 } from '../../src/webhook/dev-certificate.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

export interface TestCa {
  /** PEM of the CA certificate: what a client trusts. */
  readonly cert: string;
  issue(options?: { commonName?: string; validDays?: number }): Promise<CertificatePair & { serial: string }>;
}

export async function createTestCa(): Promise<TestCa> {
  const x509 = await loadX509();
  const crypto = webcrypto;
  const caKeys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const caName = 'CN=nsguard test CA';
  const now = Date.now();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: caName,
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 30 * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys: caKeys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  return {
    cert: caCert.toString('pem'),
    async issue(options = {}) {
      const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      const serialNumber = serial();
      const cert = await x509.X509CertificateGenerator.create(
        {
          serialNumber,
          subject: `CN=${options.commonName ?? 'nsguard.nsguard.svc'}`,
          issuer: caCert.subject,
          notBefore: new Date(now - DAY_MS),
          notAfter: new Date(now + (options.validDays ?? 10) * DAY_MS),
          signingAlgorithm: ALGORITHM,
          publicKey: keys.publicKey,
          signingKey: caKeys.privateKey,
          extensions: [
            new x509.BasicConstraintsExtension(false, undefined, true),
            new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
            new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
            new x509.SubjectAlternativeNameExtension([
              { type: 'dns', value: 'localhost' },
              { type: 'dns', value: 'nsguard.nsguard.svc' },
              { type: 'ip', value: '127.0.0.1' },
            ]),
            await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
          ],
        },
        crypto,
      );
      const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
      return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), serial: serialNumber.toUpperCase() };
    },
  };
}

function serial(): string {
  const bytes = randomBytes(8);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString('hex');
}

/** The paths a pod sees for a mounted `kubernetes.io/tls` Secret. */
export interface SecretVolume {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
}

let generation = 0;

/** Writes the first version, as the kubelet's AtomicWriter does on mount. */
export async function writeSecretVolume(dir: string, pair: CertificatePair): Promise<SecretVolume> {
  await mkdir(dir, { recursive: true });
  const data = await writeTimestampedDir(dir, pair);
  await symlink(data, join(dir, '..data'));
  await symlink(join('..data', 'tls.crt'), join(dir, 'tls.crt'));
  await symlink(join('..data', 'tls.key'), join(dir, 'tls.key'));
  return { dir, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
}

/** Plain files, as a hostPath or a hand-made directory holds them: updates happen in place. */
export async function writePlainFiles(dir: string, pair: CertificatePair): Promise<SecretVolume> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'tls.crt'), pair.cert);
  await writeFile(join(dir, 'tls.key'), pair.key);
  return { dir, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key') };
}

/** A Secret update: new timestamped dir, `..data_tmp` symlink renamed over `..data`, old dir removed. */
export async function swapSecretVolume(volume: SecretVolume, pair: CertificatePair): Promise<void> {
  const old = await readlink(join(volume.dir, '..data'));
  const data = await writeTimestampedDir(volume.dir, pair);
  await symlink(data, join(volume.dir, '..data_tmp'));
  await rename(join(volume.dir, '..data_tmp'), join(volume.dir, '..data'));
  await rm(join(volume.dir, old), { recursive: true });
}

async function writeTimestampedDir(dir: string, pair: CertificatePair): Promise<string> {
  generation += 1;
  const name = `..2026_01_01_00_00_00.${String(generation).padStart(9, '0')}`;
  await mkdir(join(dir, name));
  await writeFile(join(dir, name, 'tls.crt'), pair.cert);
  await writeFile(join(dir, name, 'tls.key'), pair.key);
  return name;
}
