// What `nsguard audit` reads beyond the cluster view, from the same objects as they load (a state file
// or the lists of a live cluster): Calico policies and tiers, the apiserver's addresses (the
// `kubernetes` Service's endpoints) and the sensitive images pods run. Only matching images are kept, so
// 150k pods cost a few entries rather than an image list each.
import type { CalicoObjects } from '../audit/calico-objects.ts';
import { calicoObjects } from '../audit/calico-objects.ts';
import { isSensitiveImage } from '../audit/workloads.ts';
import type { CalicoPolicy, Tier } from '../policy/calico/model.ts';
import { CALICO_API_VERSION, CALICO_CRD_API_VERSION } from '../policy/calico/parse-calico-head.ts';
import type { CalicoPolicyKind } from '../policy/calico/parse-calico-policy.ts';
import { CALICO_POLICY_KINDS, parseCalicoPolicy } from '../policy/calico/parse-calico-policy.ts';
import { parseTier } from '../policy/calico/parse-calico-tier.ts';
import { parseIp } from '../policy/netpol/cidr.ts';
import type { PodGroup, SensitiveWorkloads } from '../policy/objects/model.ts';

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The Service every cluster has in `default`, whose endpoints are the apiserver's own addresses. */
const APISERVER_SERVICE = 'kubernetes';

export class AuditObjects {
  readonly #sensitive: SensitiveWorkloads;
  readonly #tiers: Tier[] = [];
  readonly #policies: CalicoPolicy[] = [];
  readonly #addresses = new Set<string>();
  /** `namespace/pod` → its sensitive images. */
  readonly #images = new Map<string, string[]>();

  constructor(sensitive: SensitiveWorkloads) {
    this.#sensitive = sensitive;
  }

  readonly observe = (object: Fields, where: string): void => {
    const { apiVersion, kind } = object;
    const metadata = fields(object['metadata']);
    if ((apiVersion === CALICO_API_VERSION || apiVersion === CALICO_CRD_API_VERSION) && typeof kind === 'string') {
      if (kind === 'Tier') this.#tiers.push(parseTier(object, where));
      else if (CALICO_POLICY_KINDS.includes(kind as CalicoPolicyKind)) this.#policies.push(parseCalicoPolicy(object, kind as CalicoPolicyKind, where));
    } else if (apiVersion === 'v1' && kind === 'Pod') {
      const images = [...list(fields(object['spec'])?.['containers'])].flatMap((c) => {
        const image = fields(c)?.['image'];
        return typeof image === 'string' && isSensitiveImage(image, this.#sensitive) ? [image] : [];
      });
      if (images.length > 0) this.#images.set(`${String(metadata?.['namespace'])}/${String(metadata?.['name'])}`, images);
    } else if (metadata?.['namespace'] === 'default' && apiVersion === 'discovery.k8s.io/v1' && kind === 'EndpointSlice') {
      if (fields(metadata['labels'])?.['kubernetes.io/service-name'] !== APISERVER_SERVICE) return;
      for (const endpoint of list(object['endpoints'])) for (const address of list(fields(endpoint)?.['addresses'])) this.#address(address);
    } else if (metadata?.['namespace'] === 'default' && metadata['name'] === APISERVER_SERVICE && apiVersion === 'v1' && kind === 'Endpoints') {
      for (const subset of list(object['subsets'])) for (const address of list(fields(subset)?.['addresses'])) this.#address(fields(address)?.['ip']);
    }
  };

  #address(value: unknown): void {
    if (typeof value === 'string' && parseIp(value) !== undefined) this.#addresses.add(value);
  }

  calico(): CalicoObjects | undefined {
    return calicoObjects(this.#tiers, this.#policies);
  }

  apiserverAddresses(): string[] {
    return [...this.#addresses].sort();
  }

  /** Sensitive images per group, once the state is loaded: `findPod` names each pod's group. */
  sensitiveImages(findPod: (namespace: string, name: string) => PodGroup | undefined): (group: PodGroup) => readonly string[] {
    const byGroup = new Map<PodGroup, Set<string>>();
    for (const [pod, images] of this.#images) {
      const slash = pod.indexOf('/');
      const group = findPod(pod.slice(0, slash), pod.slice(slash + 1));
      if (group === undefined) continue;
      const set = byGroup.get(group) ?? new Set<string>();
      for (const image of images) set.add(image);
      byGroup.set(group, set);
    }
    return (group) => [...(byGroup.get(group) ?? [])].sort();
  }
}
