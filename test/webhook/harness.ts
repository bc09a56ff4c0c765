// A webhook server on a random port with a test-CA certificate, a verifying HTTPS client, captured
// pino output, and a fake Admission whose answers each test sets. Transport tests, not policy tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request as httpsRequest, type RequestOptions } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { envelopeProblem } from '../../src/admission/envelope.ts';
import type { Admission, AdmissionRequest, MutationOutcome, ValidationOutcome } from '../../src/admission/types.ts';
import { decide } from '../../src/policy/checks/decision.ts';
import type { CertificatePair } from '../../src/webhook/certificate-authority.ts';
import { createServer, type WebhookServer, type WebhookServerOptions } from '../../src/webhook/server.ts';
import { openTlsSource, type TlsSource } from '../../src/webhook/tls-source.ts';
import { captureLogs, type LogCapture } from '../support/capture-logs.ts';
import { createTestCa, writePlainFiles, writeSecretVolume, type SecretVolume, type TestCa } from '../support/test-ca.ts';

export interface Tap {
  teardown(fn: () => unknown): void;
}

/** The real envelope check (tests send apiserver-shaped reviews), with answers each test sets. */
export interface FakeAdmission extends Admission {
  isReady: boolean;
  onValidate: (request: AdmissionRequest) => ValidationOutcome | Promise<ValidationOutcome>;
  onMutate: (request: AdmissionRequest) => MutationOutcome;
  readonly seen: AdmissionRequest[];
}

export function fakeAdmission(): FakeAdmission {
  const fake: FakeAdmission = {
    isReady: true,
    onValidate: () => ({ decision: decide('enforce', [], []) }),
    onMutate: () => ({ patch: [], warnings: [] }),
    seen: [],
    envelopeProblem,
    validate(request) {
      fake.seen.push(request);
      return fake.onValidate(request);
    },
    mutate(request) {
      fake.seen.push(request);
      return fake.onMutate(request);
    },
    ready: () => fake.isReady,
  };
  return fake;
}

/** A webhook server serving some Admission, and a client for it. */
export interface Served {
  readonly server: WebhookServer;
  readonly logs: LogCapture;
  readonly ca: TestCa;
  readonly volume: SecretVolume;
  readonly tls: TlsSource;
  readonly port: number;
  /** A keep-alive agent trusting only the test CA. */
  readonly agent: Agent;
  request(options: ClientRequest): Promise<ClientResponse>;
}

export interface Harness extends Served {
  readonly admission: FakeAdmission;
}

let sharedCa: Promise<TestCa> | undefined;

type ServeOptions = Partial<Omit<WebhookServerOptions, 'admission' | 'logger' | 'tls'>> & { logLevel?: string; plainFiles?: boolean; clientCaFile?: string };

/** The server with a fake Admission whose answers each test sets. */
export async function startServer(t: Tap, options: ServeOptions = {}): Promise<Harness> {
  const admission = fakeAdmission();
  return { ...(await serveAdmission(t, admission, options)), admission };
}

/** The server with the given Admission (a real one over a cluster view, say). */
export async function serveAdmission(t: Tap, admission: Admission, options: ServeOptions = {}): Promise<Served> {
  sharedCa ??= createTestCa();
  const ca = await sharedCa;
  const dir = await mkdtemp(join(tmpdir(), 'nsguard-webhook-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const pair = await ca.issue();
  const volume = options.plainFiles === true ? await writePlainFiles(join(dir, 'tls'), pair) : await writeSecretVolume(join(dir, 'tls'), pair);
  // Grouped as `serve` writes: an answer that waits on its line's group write is tested as it runs.
  const logs = captureLogs(options.logLevel ?? 'info', { grouped: true });
  const tls = await openTlsSource({ certFile: volume.certFile, keyFile: volume.keyFile, clientCaFile: options.clientCaFile, logger: logs.logger, debounceMs: 10 });
  const { logLevel: _level, plainFiles: _plain, clientCaFile: _clientCa, ...serverOptions } = options;
  const server = createServer({ defaultMetrics: false, commit: logs.commit, ...serverOptions, admission, logger: logs.logger, tls });
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' });
  // Tests look at what requests log, not at the startup line (written with the turn's group).
  await new Promise<void>((resolve) => logs.commit.afterCommit(resolve));
  logs.lines.length = 0;
  const agent = new Agent({ keepAlive: true, ca: ca.cert });
  t.teardown(async () => {
    agent.destroy();
    await server.close({ drainMs: 0 });
  });
  return { server, logs, ca, volume, tls, port, agent, request: (req) => send(port, ca.cert, req, agent) };
}

export interface ClientRequest {
  readonly method?: string;
  readonly path: string;
  readonly body?: unknown;
  /** Sent as is; `body` is JSON-encoded otherwise. */
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
  /** Default: the harness's keep-alive agent. `false`: a fresh connection. */
  readonly agent?: Agent | false;
  /** Presented to the server, which asks for one under `--client-ca`. */
  readonly clientCertificate?: CertificatePair;
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
  /** Serial number of the certificate the server presented on this connection. */
  readonly serial: string;
}

export function send(port: number, ca: string, req: ClientRequest, defaultAgent?: Agent): Promise<ClientResponse> {
  const payload = req.rawBody ?? (req.body === undefined ? undefined : JSON.stringify(req.body));
  const headers: Record<string, string> = { ...(payload !== undefined && req.rawBody === undefined ? { 'content-type': 'application/json' } : {}), ...req.headers };
  const options: RequestOptions = {
    host: '127.0.0.1',
    port,
    method: req.method ?? (payload === undefined ? 'GET' : 'POST'),
    path: req.path,
    headers,
    ca,
    agent: req.agent === undefined ? defaultAgent : req.agent,
    ...(req.clientCertificate === undefined ? {} : { cert: req.clientCertificate.cert, key: req.clientCertificate.key }),
  };
  return new Promise((resolve, reject) => {
    const clientRequest = httpsRequest(options, (res) => {
      const serial = (res.socket as TLSSocket).getPeerCertificate().serialNumber;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, serial });
      });
    });
    clientRequest.on('error', reject);
    clientRequest.end(payload);
  });
}

/** The audit lines (one per admission answer) among the captured logs. */
export function auditLines(logs: LogCapture): Record<string, unknown>[] {
  return logs.lines.filter((line) => line.msg === 'admission');
}
