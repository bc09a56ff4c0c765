// Certificates made in process with WebCrypto (no openssl binary): a small CA and the serving
// certificates it signs (`nsguard certs` writes them for a cluster; the tests trust one to talk real TLS),
// and the self-signed development certificate of `nsguard serve` without TLS files.
import { randomBytes, webcrypto } from 'node:crypto';
import type { Extension } from '@peculiar/x509';

// P-256 ECDSA: accepted by the apiserver's Go TLS client and far cheaper to make than RSA.
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;
// Clocks slightly behind the signer's must still accept a fresh certificate.
const BACKDATE_MS = 60 * 60 * 1000;

export interface CertificatePair {
  readonly cert: string;
  readonly key: string;
}

export interface IssuedCertificate extends CertificatePair {
  /** Upper-case hex, as Node's `getPeerCertificate().serialNumber` shows it. */
  readonly serial: string;
}

export interface CaOptions {
  readonly commonName: string;
  readonly validDays: number;
  readonly now?: Date;
}

export interface ServingOptions {
  readonly commonName: string;
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly validDays: number;
  readonly now?: Date;
}

/** A self-signed CA that may sign leaf certificates only (path length 0). */
export async function createCertificateAuthority(options: CaOptions): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = (options.now ?? new Date()).getTime();
  const serialNumber = serial();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber,
      name: `CN=${options.commonName}`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + options.validDays * DAY_MS),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey), serial: serialNumber.toUpperCase() };
}

/**
 * A self-signed serving certificate for localhost, for `nsguard serve` without TLS files. Never meant for
 * a cluster: nothing trusts it.
 */
export async function createDevCertificate(options: { validDays?: number; now?: Date } = {}): Promise<CertificatePair> {
  const x509 = await loadX509();
  const crypto = webcrypto;
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = (options.now ?? new Date()).getTime();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'CN=nsguard development certificate (localhost)',
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + (options.validDays ?? 365) * DAY_MS),
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
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

/** A server certificate for `dnsNames` (and IPs), signed by `ca` (PEM certificate and PKCS#8 key). */
export async function issueServingCertificate(ca: CertificatePair, options: ServingOptions): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  return issue(ca, options, [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    // Go's TLS client (the apiserver) checks SANs only, never the CN.
    new x509.SubjectAlternativeNameExtension([
      ...options.dnsNames.map((value) => ({ type: 'dns' as const, value })),
      ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
    ]),
  ]);
}

/** A client certificate for `commonName` (the apiserver's, to present to `serve --client-ca`), signed by `ca`. */
export async function issueClientCertificate(ca: CertificatePair, options: CaOptions): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  return issue(ca, options, [new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])]);
}

async function issue(ca: CertificatePair, options: CaOptions, usage: readonly Extension[]): Promise<IssuedCertificate> {
  const x509 = await loadX509();
  const crypto = webcrypto;
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(ca.key), ALGORITHM, false, ['sign']);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const now = (options.now ?? new Date()).getTime();
  const serialNumber = serial();
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber,
      subject: `CN=${options.commonName}`,
      issuer: caCert.subject,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + options.validDays * DAY_MS),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: caKey,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        ...usage,
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey), serial: serialNumber.toUpperCase() };
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** 16 random bytes, positive (RFC 5280) and with a non-zero first byte so the hex is the DER value. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x10;
  return bytes.toString('hex');
}

/**
 * @peculiar/x509 2.x resolves its algorithms through tsyringe, which needs a Reflect metadata polyfill
 * loaded first. Loaded on demand: a server with real certificate files never pays for it.
 */
async function loadX509(): Promise<typeof import('@peculiar/x509')> {
  await import('reflect-metadata');
  return import('@peculiar/x509');
}
