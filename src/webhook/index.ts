// What the CLI (`nsguard serve`) needs from the webhook.
export {
  createServer,
  DEFAULT_BODY_LIMIT,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_DRAIN_MS,
  DEFAULT_PORT,
  type WebhookServer,
  type WebhookServerOptions,
} from './server.ts';
export { openTlsSource, type TlsEvent, type TlsMaterial, type TlsSource, type TlsSourceOptions } from './tls-source.ts';
export { createDevCertificate, type CertificatePair } from './certificate-authority.ts';
export { type WebhookMetrics } from './metrics.ts';
export { closeOnSignals, type SignalOptions } from './shutdown-signals.ts';
export { AUDIT_MESSAGE, type AuditEntry } from './audit-log.ts';
