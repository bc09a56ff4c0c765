// What Calico sees of an endpoint, and what nsguard does not know of it. A pod is a workload endpoint
// whose labels are its own plus those Calico adds (libcalico-go/lib/backend/k8s/conversion:
// projectcalico.org/namespace, /orchestrator, /serviceaccount) and those it inherits from the profiles of
// its namespace (`pcns.<key>`) and service account (`pcsa.<key>`), each with `projectcalico.org/name`.
import type { Ip } from '../netpol/cidr.ts';
import { parseIp } from '../netpol/cidr.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import type { Cidr, ContainerPort, Labels } from '../objects/model.ts';
import type { ServiceAccount } from './model.ts';
import type { PartialLabels, Truth } from './truth.ts';

const NAMESPACE_LABEL = 'projectcalico.org/namespace';
const ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
const SERVICE_ACCOUNT_LABEL = 'projectcalico.org/serviceaccount';
const NAME_LABEL = 'projectcalico.org/name';
const NAMESPACE_PREFIX = 'pcns.';
const SERVICE_ACCOUNT_PREFIX = 'pcsa.';

/** Known addresses, or `pod-cidrs`: a pod whose address is unknown may have any address of the pod CIDRs. */
export type Addresses = { readonly kind: 'known'; readonly ips: readonly Ip[] } | { readonly kind: 'pod-cidrs' };

export type EndpointFacts =
  | {
      readonly kind: 'pod';
      readonly namespace: string;
      /** The workload endpoint's labels; the service account's part is unknown when the account is. */
      readonly labels: PartialLabels;
      /** As a rule's namespaceSelector sees them: the namespace's labels and `projectcalico.org/name`. */
      readonly namespaceLabels: PartialLabels;
      /** As serviceAccounts.selector sees them; every key unknown when the account is. */
      readonly serviceAccountLabels: PartialLabels;
      /** `undefined` when unknown: it may be any. */
      readonly serviceAccount: string | undefined;
      readonly addresses: Addresses;
      readonly ports: readonly ContainerPort[] | 'unknown';
    }
  | { readonly kind: 'external'; readonly addresses: Addresses };

const EVERY_KEY_UNKNOWN = (): boolean => true;

export function endpointFacts(endpoint: Endpoint, serviceAccount: ServiceAccount | undefined): EndpointFacts {
  if (endpoint.kind === 'external') {
    const ip = parseIp(endpoint.ip);
    return { kind: 'external', addresses: { kind: 'known', ips: ip === undefined ? [] : [ip] } };
  }
  const { group, namespace } = endpoint;
  const inherited: Record<string, string> = { [`${NAMESPACE_PREFIX}${NAME_LABEL}`]: namespace.name };
  for (const [key, value] of Object.entries(namespace.labels)) inherited[`${NAMESPACE_PREFIX}${key}`] = value;
  if (serviceAccount !== undefined) {
    inherited[`${SERVICE_ACCOUNT_PREFIX}${NAME_LABEL}`] = serviceAccount.name;
    for (const [key, value] of Object.entries(serviceAccount.labels)) inherited[`${SERVICE_ACCOUNT_PREFIX}${key}`] = value;
  }
  // The endpoint's own labels win over inherited ones; the labels Calico sets win over the pod's.
  const labels: Labels = {
    ...inherited,
    ...group.labels,
    [NAMESPACE_LABEL]: group.namespace,
    [ORCHESTRATOR_LABEL]: 'k8s',
    ...(serviceAccount === undefined ? {} : { [SERVICE_ACCOUNT_LABEL]: serviceAccount.name }),
  };
  const ips = group.ips.flatMap((text) => parseIp(text) ?? []);
  return {
    kind: 'pod',
    namespace: group.namespace,
    labels: {
      labels,
      unknown:
        serviceAccount === undefined
          ? (key) => key === SERVICE_ACCOUNT_LABEL || (key.startsWith(SERVICE_ACCOUNT_PREFIX) && !Object.hasOwn(group.labels, key))
          : undefined,
    },
    namespaceLabels: { labels: { ...namespace.labels, [NAME_LABEL]: namespace.name } },
    serviceAccountLabels: serviceAccount === undefined ? { labels: {}, unknown: EVERY_KEY_UNKNOWN } : { labels: { ...serviceAccount.labels, [NAME_LABEL]: serviceAccount.name } },
    serviceAccount: serviceAccount?.name,
    addresses: ips.length > 0 ? { kind: 'known', ips } : { kind: 'pod-cidrs' },
    ports: group.ports,
  };
}

/** The IP versions the endpoint may talk over. */
export function families(addresses: Addresses, podCIDRs: readonly Cidr[]): ReadonlySet<4 | 6> {
  return new Set(addresses.kind === 'known' ? addresses.ips.map((ip) => ip.family) : podCIDRs.map((c) => c.family));
}

type Range = readonly [bigint, bigint];

/**
 * Is the address inside `nets` (any, or everything when empty) and outside every `notNets`? Known addresses
 * are tried each (a connection uses one of them); an unknown one ranges over the pod CIDRs, so the answer
 * is `yes` when all of them qualify, `no` when none does and `maybe` otherwise.
 */
export function addressTruth(nets: readonly Cidr[], notNets: readonly Cidr[], addresses: Addresses, podCIDRs: readonly Cidr[]): Truth {
  if (nets.length === 0 && notNets.length === 0) return 'yes';
  const inside = (family: 4 | 6, range: Range): readonly Range[] => {
    const kept = nets.length === 0 ? [range] : clip(rangesOf(nets, family), range);
    return subtract(kept, rangesOf(notNets, family));
  };
  const verdicts =
    addresses.kind === 'known'
      ? addresses.ips.map((ip) => inside(ip.family, [ip.value, ip.value]).length > 0)
      : podCIDRs.flatMap((c) => {
          const left = inside(c.family, [c.first, c.last]);
          const covered = left.length === 1 && left[0]?.[0] === c.first && left[0][1] === c.last;
          // A CIDR partly inside is both: some addresses in it qualify, some do not.
          return covered ? [true] : left.length > 0 ? [true, false] : [false];
        });
  // No address at all (no pod CIDRs configured): nothing can be placed inside.
  if (verdicts.length === 0 || verdicts.every((v) => !v)) return 'no';
  return verdicts.every((v) => v) ? 'yes' : 'maybe';
}

function rangesOf(cidrs: readonly Cidr[], family: 4 | 6): Range[] {
  return cidrs
    .filter((c) => c.family === family)
    .map((c): Range => [c.first, c.last])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** The parts of `range` inside the sorted `ranges`. */
function clip(ranges: readonly Range[], range: Range): Range[] {
  const out: Range[] = [];
  for (const [first, last] of ranges) {
    const from = first > range[0] ? first : range[0];
    const to = last < range[1] ? last : range[1];
    if (from > to) continue;
    const prev = out.at(-1);
    if (prev !== undefined && from <= prev[1] + 1n) out[out.length - 1] = [prev[0], to > prev[1] ? to : prev[1]];
    else out.push([from, to]);
  }
  return out;
}

/** `ranges` (sorted, disjoint) minus the sorted `cuts`. */
function subtract(ranges: readonly Range[], cuts: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [first, last] of ranges) {
    let next = first;
    for (const [cutFirst, cutLast] of cuts) {
      if (cutLast < next || cutFirst > last) continue;
      if (cutFirst > next) out.push([next, cutFirst - 1n]);
      if (cutLast + 1n > next) next = cutLast + 1n;
      if (next > last) break;
    }
    if (next <= last) out.push([next, last]);
  }
  return out;
}
