// What `nsguard audit` reads beyond the cluster view, from the same objects as they load (a state file
// or the lists of a live cluster): the apiserver's addresses (the `kubernetes` Service's endpoints) and
// the sensitive images pods run. Only matching images are kept, so
// 150k pods cost a few entries rather than an image list each.
import { isSensitiveImage } from '../audit/workloads.ts';
import { parseIp } from '../policy/netpol/cidr.ts';
import type { PodGroup, SensitiveWorkloads } from '../policy/objects/model.ts';
import { SERVICE_NAME_LABEL } from '../policy/objects/parse-service.ts';

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
  readonly #addresses = new Set<string>();
  /** `namespace/pod` → its sensitive images. */
  readonly #images = new Map<string, string[]>();

  constructor(sensitive: SensitiveWorkloads) {
    this.#sensitive = sensitive;
  }

  readonly observe = (object: Fields): void => {
    const { apiVersion, kind } = object;
    const metadata = fields(object['metadata']);
    if (apiVersion === 'v1' && kind === 'Pod') {
      const images = [...list(fields(object['spec'])?.['containers'])].flatMap((c) => {
        const image = fields(c)?.['image'];
        return typeof image === 'string' && isSensitiveImage(image, this.#sensitive) ? [image] : [];
      });
      if (images.length > 0) this.#images.set(`${String(metadata?.['namespace'])}/${String(metadata?.['name'])}`, images);
    } else if (metadata?.['namespace'] === 'default' && apiVersion === 'discovery.k8s.io/v1' && kind === 'EndpointSlice') {
      if (fields(metadata['labels'])?.[SERVICE_NAME_LABEL] !== APISERVER_SERVICE) return;
      for (const endpoint of list(object['endpoints'])) for (const address of list(fields(endpoint)?.['addresses'])) this.#address(address);
    } else if (metadata?.['namespace'] === 'default' && metadata['name'] === APISERVER_SERVICE && apiVersion === 'v1' && kind === 'Endpoints') {
      for (const subset of list(object['subsets'])) for (const address of list(fields(subset)?.['addresses'])) this.#address(fields(address)?.['ip']);
    }
  };

  #address(value: unknown): void {
    if (typeof value === 'string' && parseIp(value) !== undefined) this.#addresses.add(value);
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
