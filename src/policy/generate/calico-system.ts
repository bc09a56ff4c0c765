// The Calico flavour's cluster-wide part: DNS allowed once for every pod of every namespace but the
// exempt ones, instead of a policy per namespace. It lives in a tier of its own, ordered before the
// `default` tier where Kubernetes NetworkPolicies run: its policy allows DNS to the DNS pods over UDP and
// TCP, then passes everything else on to the next tier, so what the namespaces' own policies say is
// decided there as before (a policy of the default tier that selected every pod would instead deny all
// other egress of pods no policy allows, by that tier's default action).
import { parseCalicoPolicy } from '../calico/parse-calico-policy.ts';
import { parseTier } from '../calico/parse-calico-tier.ts';
import type { CalicoPolicy, Tier } from '../calico/model.ts';
import type { Config, PolicyManifest } from '../objects/model.ts';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../objects/nsguard-metadata.ts';
import { METADATA_NAME_LABEL } from '../netpol/witness.ts';

export const SYSTEM_TIER = 'nsguard';
/** Before `default` (1,000,000) and after the tiers Calico and platforms put first (kube-admin: 1,000). */
export const SYSTEM_TIER_ORDER = 10_000;
export const SYSTEM_POLICY = `${SYSTEM_TIER}.allow-dns`;

const API_VERSION = 'projectcalico.org/v3';
const LABELS = { [MANAGED_BY_LABEL]: MANAGED_BY };

/** Calico quotes with `"` and has no escapes: a value holding one is quoted with `'`. */
function quoted(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** The Tier, then the GlobalNetworkPolicy in it, as projectcalico.org/v3 manifests in the order they are applied. */
export function calicoSystemManifests(config: Pick<Config, 'dns' | 'exemptNamespaces'>): readonly PolicyManifest[] {
  const { dns } = config;
  const pods = Object.entries(dns.podLabels).map(([key, value]) => `${key} == ${quoted(value)}`).join(' && ');
  // A fresh object per rule: printed as YAML, a shared one would come out as an anchor and an alias.
  const destination = () => ({ selector: pods === '' ? 'all()' : pods, namespaceSelector: `${METADATA_NAME_LABEL} == ${quoted(dns.namespace)}`, ports: [dns.port] });
  const nodeLocal = dns.nodeLocalIPs.length === 0 ? [] : dns.protocols.map((protocol) => ({ action: 'Allow', protocol, destination: { nets: [...dns.nodeLocalIPs], ports: [dns.port] } }));
  const exempt = config.exemptNamespaces.length === 0 ? 'all()' : `${METADATA_NAME_LABEL} not in {${config.exemptNamespaces.map(quoted).join(', ')}}`;
  return [
    { apiVersion: API_VERSION, kind: 'Tier', metadata: { name: SYSTEM_TIER, labels: LABELS }, spec: { order: SYSTEM_TIER_ORDER } },
    {
      apiVersion: API_VERSION,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: SYSTEM_POLICY, labels: LABELS },
      spec: {
        tier: SYSTEM_TIER,
        order: 100,
        namespaceSelector: exempt,
        types: ['Egress'],
        egress: [...dns.protocols.map((protocol) => ({ action: 'Allow', protocol, destination: destination() })), ...nodeLocal, { action: 'Pass' }],
      },
    },
  ];
}

/** The same, as the cluster view holds them once applied. */
export function calicoSystemObjects(config: Pick<Config, 'dns' | 'exemptNamespaces'>): { readonly tier: Tier; readonly policy: CalicoPolicy } {
  const [tier, policy] = calicoSystemManifests(config);
  return { tier: parseTier(tier, 'the Calico flavour'), policy: parseCalicoPolicy(policy, 'GlobalNetworkPolicy', 'the Calico flavour') };
}
