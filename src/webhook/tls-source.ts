// The serving certificate: read from files and re-read when they change, or made for development.
// Kubernetes updates a mounted Secret by writing a new timestamped directory and renaming the `..data`
// symlink onto it (atomic_writer.go), so the files never change in place: the directory is watched,
// and every event re-reads the pair (and the client CA, when one is given). A set that does not load
// keeps the old one serving.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { NsguardError } from '../errors.ts';
import { watchChanges } from '../files/watch-changes.ts';
import { createDevCertificate, type CertificatePair } from './certificate-authority.ts';

export interface TlsMaterial extends CertificatePair {
  /** The serving certificate's `notAfter`, for the expiry metric. */
  readonly notAfter: Date;
  /** SHA-256 fingerprint of the serving certificate, for logs. */
  readonly fingerprint: string;
  /** PEM bundle of the CA(s) whose client certificates are accepted (`--client-ca`). */
  readonly clientCa?: string;
}

export interface TlsSourceOptions {
  /** PEM certificate (chain) file; with `keyFile`. Without both, a development certificate is made. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** PEM file of the CA(s) that sign the clients' certificates; needs `certFile` and `keyFile`. */
  readonly clientCaFile?: string;
  readonly logger: Logger;
  /** Events come in bursts (a Secret update renames a symlink and removes a directory): coalesce them. */
  readonly debounceMs?: number;
}

export type TlsEvent =
  | { readonly type: 'reloaded'; readonly material: TlsMaterial }
  | { readonly type: 'rejected'; readonly error: Error };

export interface TlsSource {
  readonly origin: 'files' | 'development';
  current(): TlsMaterial;
  /** Called after every reload attempt that found a changed pair. Returns an unsubscribe function. */
  subscribe(listener: (event: TlsEvent) => void): () => void;
  close(): void;
}

export async function openTlsSource(options: TlsSourceOptions): Promise<TlsSource> {
  const { certFile, keyFile, clientCaFile, logger } = options;
  if (certFile === undefined && keyFile === undefined && clientCaFile === undefined) {
    const material = inspect(await createDevCertificate(), 'development certificate');
    logger.warn({ notAfter: material.notAfter.toISOString() }, 'no TLS files given: serving a self-signed development certificate');
    return staticSource(material);
  }
  if (certFile === undefined || keyFile === undefined) {
    throw new NsguardError('NSG_USAGE', `TLS needs both a certificate file and a key file (--tls-cert and --tls-key)${clientCaFile === undefined ? '' : ' when a client CA is given'}`);
  }
  const files = { certFile, keyFile, clientCaFile };
  return watchedSource(files, await readMaterial(files), options);
}

interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string | undefined;
}

function staticSource(material: TlsMaterial): TlsSource {
  return { origin: 'development', current: () => material, subscribe: () => () => {}, close: () => {} };
}

function watchedSource(files: TlsFiles, initial: TlsMaterial, options: TlsSourceOptions): TlsSource {
  const { logger } = options;
  const listeners = new Set<(event: TlsEvent) => void>();
  let material = initial;
  let closed = false;

  const emit = (event: TlsEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const reload = async (): Promise<void> => {
    try {
      const next = await readMaterial(files);
      if (closed || (next.cert === material.cert && next.key === material.key && next.clientCa === material.clientCa)) return;
      material = next;
      logger.info({ fingerprint: next.fingerprint, notAfter: next.notAfter.toISOString(), clientCa: next.clientCa !== undefined }, 'TLS certificate reloaded');
      emit({ type: 'reloaded', material: next });
    } catch (error) {
      if (closed) return;
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error({ err, ...files, fingerprint: material.fingerprint }, 'TLS certificate reload failed: keeping the current certificate');
      emit({ type: 'rejected', error: err });
    }
  };
  const watched = [files.certFile, files.keyFile, ...(files.clientCaFile === undefined ? [] : [files.clientCaFile])];
  const watching = watchChanges(watched, reload, { logger, what: 'TLS', ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }) });

  return {
    origin: 'files',
    current: () => material,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      watching.close();
      listeners.clear();
    },
  };
}

async function readMaterial({ certFile, keyFile, clientCaFile }: TlsFiles): Promise<TlsMaterial> {
  // Read together, reported in this order: the error names the same file whichever read fails first.
  const settled = await Promise.allSettled([
    readText(certFile, 'certificate'),
    readText(keyFile, 'key'),
    clientCaFile === undefined ? undefined : readText(clientCaFile, 'client CA'),
  ]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const [cert, key, clientCa] = settled.map((r) => (r as PromiseFulfilledResult<string | undefined>).value) as [string, string, string | undefined];
  const material = inspect({ cert, key }, `${certFile} and ${keyFile}`);
  return clientCa === undefined ? material : { ...material, clientCa: inspectClientCa(clientCa, clientCaFile ?? '') };
}

/** A CA bundle OpenSSL would take: at least one certificate, each one a CA. */
function inspectClientCa(pem: string, file: string): string {
  try {
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new Error('no PEM certificate in it');
    for (const block of blocks) {
      const certificate = new X509Certificate(block);
      if (!certificate.ca) throw new Error(`${certificate.subject} is not a CA certificate`);
    }
    createSecureContext({ ca: pem });
    return pem;
  } catch (cause) {
    throw new NsguardError('NSG_TLS', `the client CA file ${file} does not load: ${(cause as Error).message}`, { cause });
  }
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new NsguardError('NSG_TLS', `cannot read the TLS ${what} file ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** Everything OpenSSL would refuse later is refused here, while the old pair still serves. */
function inspect(pair: CertificatePair, where: string): TlsMaterial {
  try {
    const certificate = new X509Certificate(pair.cert);
    if (!certificate.checkPrivateKey(createPrivateKey(pair.key))) throw new Error('the key does not belong to the certificate');
    createSecureContext({ cert: pair.cert, key: pair.key });
    return { ...pair, notAfter: certificate.validToDate, fingerprint: certificate.fingerprint256 };
  } catch (cause) {
    throw new NsguardError('NSG_TLS', `TLS certificate and key in ${where} do not load: ${(cause as Error).message}`, { cause });
  }
}
