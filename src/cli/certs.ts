// `nsguard certs --out DIR [--service NAME] [--namespace NS]`
// The self-managed TLS path (cert-manager is the other): a CA kept in DIR across runs, a serving
// certificate for the Service's DNS names signed by it, and the kustomize inputs that carry both into
// the cluster. Re-running rotates the serving certificate; the CA, and so every caBundle, stays.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NsguardError } from '../errors.ts';
import { createCertificateAuthority, issueServingCertificate } from '../webhook/certificate-authority.ts';
import type { CertificatePair } from '../webhook/certificate-authority.ts';
import { parseCommand, printHelp, required, type CommandSpec, type FlagSpecs } from './command-spec.ts';
import type { CommandIo } from './io.ts';

// A long-lived CA spares re-patching every caBundle; the serving certificate is the one that rotates.
const CA_VALID_DAYS = 3650;
const SERVING_VALID_DAYS = 365;
// The names of manifests/base: the webhook configurations (base/webhooks) the caBundle patch targets
// and the Secret the Deployment mounts.
export const WEBHOOK_CONFIGURATION_NAME = 'nsguard';
export const TLS_SECRET_NAME = 'nsguard-tls';
export const CABUNDLE_PATCH_FILE = 'webhook-cabundle-patch.yaml';
export const TLS_SECRET_FILE = 'tls-secret.yaml';
// Strategic merge matches webhooks by name, so the patch names each one (as manifests/base/webhooks does).
export const MUTATING_WEBHOOKS = ['namespaces.mutate.nsguard.io'] as const;
export const VALIDATING_WEBHOOKS = ['networkpolicies.validate.nsguard.io', 'namespaces.validate.nsguard.io', 'calico-policies.validate.nsguard.io', 'calico-crds.validate.nsguard.io'] as const;

// RFC 1123 labels, as Kubernetes requires for Service and Namespace names.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const CERTS = {
  name: 'certs',
  operands: '',
  summary:
    'A CA (kept across runs) and a serving certificate for the webhook Service, with the TLS Secret and the caBundle patch for manifests/webhooks; prints the caBundle.',
  exits: '0 written, 2 bad input or a directory that cannot be used',
  flags: {
    out: { type: 'string', value: 'DIR', help: 'where to write them, e.g. manifests/webhooks/generated (required)' },
    service: { type: 'string', value: 'NAME', default: 'nsguard', help: "the webhook Service's name" },
    namespace: { type: 'string', value: 'NS', default: 'nsguard', help: "the webhook Service's namespace" },
  },
} as const satisfies CommandSpec<FlagSpecs>;

export async function certs(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommand(CERTS, args);
  if (parsed.help) return printHelp(CERTS, io);
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new NsguardError('NSG_USAGE', `nsguard certs: unexpected argument ${JSON.stringify(positionals[0])}`);
  const out = required('certs', 'out', values.out, 'DIR');
  const service = dnsLabel('service', values.service);
  const namespace = dnsLabel('namespace', values.namespace);

  await mkdir(out, { recursive: true }).catch((cause: unknown) => {
    throw new NsguardError('NSG_CERTS', `nsguard certs: cannot create ${out}: ${(cause as Error).message}`, { cause });
  });
  const { ca, created } = await caIn(out);
  const serving = await issueServingCertificate(ca, {
    commonName: `${service}.${namespace}.svc`,
    dnsNames: serviceNames(service, namespace),
    validDays: SERVING_VALID_DAYS,
  });
  await writeAtomically(join(out, 'tls.key'), serving.key, 0o600);
  await writeAtomically(join(out, 'tls.crt'), serving.cert, 0o644);
  const caBundle = Buffer.from(ca.cert).toString('base64');
  await writeAtomically(join(out, CABUNDLE_PATCH_FILE), caBundlePatch(caBundle), 0o644);
  await writeAtomically(join(out, TLS_SECRET_FILE), tlsSecret(namespace, serving), 0o600);

  io.err(`nsguard certs: ${created ? 'made a new CA' : 'kept the CA'} in ${join(out, 'ca.crt')}; serving certificate ${serving.serial} for ${serviceNames(service, namespace).join(', ')}`);
  io.err(`nsguard certs: wrote ${join(out, 'tls.crt')}, ${join(out, 'tls.key')}, ${join(out, TLS_SECRET_FILE)} and ${join(out, CABUNDLE_PATCH_FILE)}`);
  // stdout carries the caBundle alone, so `$(nsguard certs --out d)` can be pasted into a patch.
  io.out(caBundle);
  return 0;
}

/** The names the apiserver may dial for a Service: it uses NAME.NS.svc; the others cover in-cluster clients. */
export function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

async function caIn(dir: string): Promise<{ ca: CertificatePair; created: boolean }> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  const cert = await readIfPresent(certFile);
  const key = await readIfPresent(keyFile);
  if (cert !== undefined && key !== undefined) return { ca: { cert, key }, created: false };
  if (cert !== undefined || key !== undefined) {
    // Half a CA: making a new one would silently invalidate every caBundle made from the old one.
    throw new NsguardError('NSG_CERTS', `nsguard certs: ${cert === undefined ? certFile : keyFile} is missing while ${cert === undefined ? keyFile : certFile} exists; restore it, or remove both to make a new CA`);
  }
  const ca = await createCertificateAuthority({ commonName: 'nsguard webhook CA', validDays: CA_VALID_DAYS });
  await writeAtomically(keyFile, ca.key, 0o600);
  await writeAtomically(certFile, ca.cert, 0o644);
  return { ca, created: true };
}

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new NsguardError('NSG_CERTS', `nsguard certs: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** Write then rename, so a reader (or an interrupted run) never sees half a key. */
async function writeAtomically(file: string, text: string, mode: number): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    await writeFile(temporary, text, { mode });
    await rename(temporary, file);
  } catch (cause) {
    throw new NsguardError('NSG_CERTS', `nsguard certs: cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** A kustomize patch (a list of partial objects) that sets the caBundle on every webhook of both configurations. */
function caBundlePatch(caBundle: string): string {
  const configuration = (kind: string, webhooks: readonly string[]): string =>
    [
      'apiVersion: admissionregistration.k8s.io/v1',
      `kind: ${kind}`,
      'metadata:',
      `  name: ${WEBHOOK_CONFIGURATION_NAME}`,
      'webhooks:',
      ...webhooks.flatMap((name) => [`  - name: ${name}`, '    clientConfig:', `      caBundle: ${caBundle}`]),
    ].join('\n');
  return [
    '# Written by `nsguard certs`: the CA that signed the serving certificate in tls-secret.yaml.',
    configuration('MutatingWebhookConfiguration', MUTATING_WEBHOOKS),
    '---',
    configuration('ValidatingWebhookConfiguration', VALIDATING_WEBHOOKS),
    '',
  ].join('\n');
}

function tlsSecret(namespace: string, pair: CertificatePair): string {
  return [
    '# Written by `nsguard certs`: the serving certificate the Deployment mounts at /etc/nsguard/tls.',
    'apiVersion: v1',
    'kind: Secret',
    'type: kubernetes.io/tls',
    'metadata:',
    `  name: ${TLS_SECRET_NAME}`,
    `  namespace: ${namespace}`,
    'data:',
    `  tls.crt: ${Buffer.from(pair.cert).toString('base64')}`,
    `  tls.key: ${Buffer.from(pair.key).toString('base64')}`,
    '',
  ].join('\n');
}

function dnsLabel(option: string, value: string): string {
  if (!DNS_LABEL.test(value)) throw new NsguardError('NSG_USAGE', `nsguard certs: --${option} must be a DNS label (lower-case letters, digits and '-', at most 63), not ${JSON.stringify(value)}`);
  return value;
}
