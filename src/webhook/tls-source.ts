// The serving certificate: read from files and re-read when they change, or made for development.
// Kubernetes updates a mounted Secret by writing a new timestamped directory and renaming the `..data`
// symlink onto it (atomic_writer.go), so the files never change in place: the directory is watched,
// and every event re-reads the pair. A pair that does not load keeps the old one serving.
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
}

export interface TlsSourceOptions {
  /** PEM certificate (chain) file; with `keyFile`. Without both, a development certificate is made. */
  readonly certFile?: string;
  readonly keyFile?: string;
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
  const { certFile, keyFile, logger } = options;
  if (certFile === undefined && keyFile === undefined) {
    const material = inspect(await createDevCertificate(), 'development certificate');
    logger.warn({ notAfter: material.notAfter.toISOString() }, 'no TLS files given: serving a self-signed development certificate');
    return staticSource(material);
  }
  if (certFile === undefined || keyFile === undefined) {
    throw new NsguardError('NSG_USAGE', 'TLS needs both a certificate file and a key file (--tls-cert and --tls-key)');
  }
  return watchedSource(certFile, keyFile, await readPair(certFile, keyFile), options);
}

function staticSource(material: TlsMaterial): TlsSource {
  return { origin: 'development', current: () => material, subscribe: () => () => {}, close: () => {} };
}

function watchedSource(certFile: string, keyFile: string, initial: TlsMaterial, options: TlsSourceOptions): TlsSource {
  const { logger } = options;
  const listeners = new Set<(event: TlsEvent) => void>();
  let material = initial;
  let closed = false;

  const emit = (event: TlsEvent): void => {
    for (const listener of listeners) listener(event);
  };

  const reload = async (): Promise<void> => {
    try {
      const next = await readPair(certFile, keyFile);
      if (closed || (next.cert === material.cert && next.key === material.key)) return;
      material = next;
      logger.info({ fingerprint: next.fingerprint, notAfter: next.notAfter.toISOString() }, 'TLS certificate reloaded');
      emit({ type: 'reloaded', material: next });
    } catch (error) {
      if (closed) return;
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error({ err, certFile, keyFile, fingerprint: material.fingerprint }, 'TLS certificate reload failed: keeping the current certificate');
      emit({ type: 'rejected', error: err });
    }
  };
  const watching = watchChanges([certFile, keyFile], reload, { logger, what: 'TLS', ...(options.debounceMs === undefined ? {} : { debounceMs: options.debounceMs }) });

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

async function readPair(certFile: string, keyFile: string): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readText(certFile, 'certificate'), readText(keyFile, 'key')]);
  return inspect({ cert, key }, `${certFile} and ${keyFile}`);
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
