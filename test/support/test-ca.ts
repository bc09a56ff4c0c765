// A throwaway CA and serving certificates signed by it, so tests use a real verifying TLS client, and a
// Secret volume laid out as the kubelet writes it (timestamped dir, `..data` symlink, file symlinks).
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuedCertificate } from '../../src/webhook/certificate-authority.ts';
import { createCertificateAuthority, issueClientCertificate, issueServingCertificate } from '../../src/webhook/certificate-authority.ts';
import type { CertificatePair } from '../../src/webhook/certificate-authority.ts';

export interface TestCa {
  /** PEM of the CA certificate: what a client trusts. */
  readonly cert: string;
  issue(options?: { commonName?: string; validDays?: number }): Promise<IssuedCertificate>;
  /** A client certificate, as the apiserver presents to a webhook. */
  issueClient(commonName?: string): Promise<IssuedCertificate>;
}

export async function createTestCa(): Promise<TestCa> {
  const ca = await createCertificateAuthority({ commonName: 'nsguard test CA', validDays: 30 });
  return {
    cert: ca.cert,
    issue: (options = {}) =>
      issueServingCertificate(ca, {
        commonName: options.commonName ?? 'nsguard.nsguard.svc',
        dnsNames: ['localhost', 'nsguard.nsguard.svc'],
        ipAddresses: ['127.0.0.1'],
        validDays: options.validDays ?? 10,
      }),
    issueClient: (commonName = 'kube-apiserver') => issueClientCertificate(ca, { commonName, validDays: 10 }),
  };
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
