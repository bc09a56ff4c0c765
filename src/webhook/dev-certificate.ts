// A self-signed serving certificate for development (`nsguard serve` without TLS files), made in
// process with WebCrypto so no openssl binary is needed. Never meant for a cluster: nothing trusts it.
import { randomBytes, webcrypto } from 'node:crypto';

export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

export async function createDevCertificate(options: { validDays?: number; now?: Date } = {}): Promise<CertificatePair> {
  const now = options.now ?? new Date();
  const x509 = await loadX509();
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: 'CN=nsguard development certificate (localhost)',
      // An hour of slack for clocks that are slightly behind.
      notBefore: new Date(now.getTime() - 60 * 60 * 1000),
      notAfter: new Date(now.getTime() + (options.validDays ?? 365) * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

/** 16 random bytes with the top bit clear: RFC 5280 serials are positive and at most 20 octets. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

/**
 * @peculiar/x509 2.x resolves its algorithms through tsyringe, which needs a Reflect metadata polyfill
 * loaded first. Loaded on demand: a server with real certificate files never pays for it.
 */
export async function loadX509(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}
