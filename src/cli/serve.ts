// `nsguard serve [--state FILE] [--config FILE] [--port N] [--tls-cert F --tls-key F [--client-ca F]] [--no-controller]`
// The webhook: a cluster view (a state file, or the live cluster through list+watch, with the policy
// controller), TLS (files, or a development certificate), the HTTPS server, and a graceful close on SIGTERM.
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger } from 'pino';
import { groupCommit } from '../log/group-commit.ts';
import { createLogger } from '../log/logger.ts';
import type { Registry } from 'prom-client';
import { createAdmission } from '../admission/admission.ts';
import { ClusterState } from '../cluster/cluster-state.ts';
import { openFileView } from '../cluster/file-view.ts';
import type { NamespaceLookup } from '../cluster/namespace-lookup.ts';
import { registerViewMetrics } from '../cluster/view-metrics.ts';
import { registerControllerMetrics } from '../controller/controller-metrics.ts';
import { NsguardError } from '../errors.ts';
import type { ClusterView } from '../policy/objects/cluster-view.ts';
import type { Config } from '../policy/objects/model.ts';
import { DEFAULT_PORT, closeOnSignals, createServer, openTlsSource } from '../webhook/index.ts';
import { parseCommand, printHelp, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import { openConfigSource } from '../config/config-source.ts';
import type { CommandIo } from './io.ts';

interface ViewSource {
  readonly current: () => ClusterView;
  /** Publishes the live view's figures, and the controller's when this view runs one. */
  readonly registerMetrics?: (registry: Registry) => void;
  /** Why decisions may not be made against the view now, or undefined. */
  readonly unready: () => string | undefined;
  /** Live mode: reads namespaces a review names that the view does not hold yet. */
  readonly lookup?: NamespaceLookup;
  readonly close: () => Promise<void> | void;
  /** The configuration was reloaded: the controller, if this view runs one, passes every namespace again. */
  readonly configChanged?: () => void;
}

export const SERVE = {
  name: 'serve',
  operands: '',
  summary:
    'The admission webhook over HTTPS. Without --state it watches the cluster of the in-cluster service account (or KUBECONFIG) and runs the policy controller; without TLS files it serves a self-signed development certificate.',
  exits: '0 stopped by SIGTERM or SIGINT, 1 a failure while running (stdout gone), 2 bad input',
  flags: {
    state: { type: 'string', value: 'FILE', help: 'judge against this snapshot instead of a live cluster (re-read when it changes)' },
    config: { type: 'string', value: 'FILE', help: "nsguard's configuration" },
    port: { type: 'string', value: 'N', default: String(DEFAULT_PORT), help: 'the HTTPS port' },
    host: { type: 'string', value: 'ADDR', default: '::', help: 'the address to listen on (:: is every IPv4 and IPv6 address)' },
    'tls-cert': { type: 'string', value: 'FILE', help: 'the serving certificate (PEM), re-read when it changes' },
    'tls-key': { type: 'string', value: 'FILE', help: 'its private key (PEM)' },
    'client-ca': { type: 'string', value: 'FILE', help: 'require a client certificate from this CA on the admission paths (the apiserver presents one)' },
    'drain-seconds': { type: 'string', value: 'N', help: 'how long to keep answering after SIGTERM before closing (0-25; default 5)' },
    'log-level': { type: 'string', value: 'LEVEL', choices: ['info', 'debug', 'trace', 'warn', 'error', 'fatal', 'silent'], help: 'how much to log; LOG_LEVEL sets it too' },
    'no-controller': { type: 'boolean', help: 'only judge: leave the policy controller out of this replica' },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function serve(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(SERVE, args);
  if (parsed.help) return printHelp(SERVE, io);
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new NsguardError('NSG_USAGE', `nsguard serve: unexpected argument ${JSON.stringify(positionals[0])}`);
  const port = integerOption('port', values.port, 0, 65535);
  const drainMs = values['drain-seconds'] === undefined ? undefined : integerOption('drain-seconds', values['drain-seconds'], 0, 25) * 1000;
  // No pino `redact`: its wildcard paths cost every line a walk (7% of the CPU under load); what comes
  // from requests is redacted where the audit line is built (redact.ts).
  const stdout = groupCommit(auditedStdout(), {
    // Its line is written; the client sees a reset connection, and the other answers go out.
    onSendError: (err) => process.stderr.write(`nsguard serve: an answer could not be sent: ${(err as Error).message}\n`),
  });
  const logger = createLogger(logLevel(values['log-level'] ?? process.env['LOG_LEVEL'] ?? 'info'), stdout);

  const configs = await openConfigSource({ file: values.config, logger });
  const config = configs.current;
  const view = values.state === undefined ? await liveView(logger, config, !values['no-controller']) : await fileView(values.state, logger);
  const tls = await openTlsSource({ certFile: values['tls-cert'], keyFile: values['tls-key'], clientCaFile: values['client-ca'], logger });
  const server = createServer({
    admission: createAdmission({ view: view.current, config, unready: view.unready, ...(view.lookup && { lookup: view.lookup }) }),
    logger,
    commit: stdout,
    tls,
    ...(drainMs === undefined ? {} : { drainMs }),
  });
  view.registerMetrics?.(server.metrics.registry);
  configs.subscribe((event) => {
    server.metrics.configReload(event.type === 'reloaded' ? 'success' : 'failure');
    if (event.type === 'reloaded') view.configChanged?.();
  });
  const closed = new Promise<void>((resolve) => {
    closeOnSignals(server, {
      logger,
      afterClose: async () => {
        configs.close();
        await view.close();
        resolve();
      },
    });
  });
  logger.info({ mode: config().mode, state: values.state ?? 'live cluster' }, 'serving');
  await server.listen({ port, host: values.host });
  await closed;
  return 0;
}

/**
 * stdout, written synchronously: an answer leaves only after its audit line is in the pipe, so a killed
 * process loses no decision, and if stdout stops draining answers wait (pino's default buffers lines in
 * memory instead). pino silences a broken pipe and carries on, which would answer with no audit line:
 * nsguard exits instead, and the kubelet restarts it with a working stdout.
 */
function auditedStdout(): DestinationStream {
  const stdout = pino.destination({ dest: 1, sync: true });
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    process.stderr.write(`nsguard serve: cannot write the audit log to stdout (${err.code ?? err.message}): exiting\n`);
    process.exit(1);
  });
  return stdout;
}

async function fileView(file: string, logger: Logger): Promise<ViewSource> {
  const view = await openFileView(file, logger);
  return { current: view.current, unready: () => undefined, close: view.close };
}

/**
 * In-cluster service account, or KUBECONFIG / ~/.kube/config outside a cluster. client-node is loaded
 * only here: it costs tens of MiB of memory that a webhook serving a state file does not need.
 * With `controller`, the controller runs too: it generates policies while this replica holds the Lease.
 */
async function liveView(logger: Logger, config: () => Config, controller: boolean): Promise<ViewSource> {
  const [{ KubeConfig }, { startLiveCluster }, { kubeNamespaceLookup }] = await Promise.all([
    import('@kubernetes/client-node'),
    import('../controller/live-cluster.ts'),
    import('../cluster/namespace-lookup.ts'),
  ]);
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromDefault();
  } catch (cause) {
    throw new NsguardError('NSG_USAGE', `nsguard serve: no cluster to watch (in-cluster config or KUBECONFIG): ${(cause as Error).message}; pass --state FILE to serve from a snapshot`, { cause });
  }
  const state = new ClusterState();
  const cluster = startLiveCluster({
    kubeConfig,
    state,
    logger,
    // Read once: the watches are set up at start (a change to it takes a restart).
    maxOutOfSyncSeconds: config().maxOutOfSyncSeconds,
    ...(controller && {
      controller: {
        config,
        // The downward API sets these in the Deployment; outside a cluster the host name stands in.
        identity: process.env['POD_NAME'] ?? `${hostname()}-${process.pid}`,
        leaseNamespace: process.env['POD_NAMESPACE'] ?? 'nsguard',
      },
    }),
  });
  const { live } = cluster;
  return {
    current: () => state,
    unready: () => live.unready(),
    lookup: kubeNamespaceLookup(kubeConfig),
    close: () => cluster.stop(),
    configChanged: () => cluster.controller?.configChanged(),
    registerMetrics: (registry: Registry) => {
      registerViewMetrics(registry, () => live.stats());
      const { controller } = cluster;
      if (controller !== undefined) registerControllerMetrics(registry, () => controller.stats());
    },
  };
}

function integerOption(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new NsguardError('NSG_USAGE', `nsguard serve: --${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  return value;
}

function logLevel(text: string): string {
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (!levels.includes(text)) throw new NsguardError('NSG_USAGE', `nsguard serve: --log-level must be one of ${levels.join(', ')}, not ${JSON.stringify(text)}`);
  return text;
}
