// The Services of a ClusterState and the EndpointSlices of those without a selector, for `nsguard explain`
// (a Service's name or ClusterIP as a target). A cluster holds tens of thousands of Services made from a
// few charts: their selectors and port lists are shared through an Interner, the namespace string is
// the one the store files them under, and nothing else of the object is kept.
import type { EndpointSlice, Service } from '../policy/objects/model.ts';
import { compareText } from './group-identity.ts';
import { Interner } from './interner.ts';
import { IpIndex } from './ip-index.ts';
import { ipKey } from './ip-key.ts';

export class ServiceStore {
  readonly #byNamespace = new Map<string, NamespaceServices>();
  readonly #byClusterIp = new IpIndex<Service>();
  readonly #parts = new Interner();
  /** `namespace/service` → its slices by name; only selector-less Services have any here. */
  readonly #slices = new Map<string, Map<string, EndpointSlice>>();

  /** A Service of the same name replaces the one before (a dump may list an object twice). */
  upsert(service: Service): void {
    let space = this.#byNamespace.get(service.namespace);
    if (space === undefined) this.#byNamespace.set(service.namespace, (space = { namespace: service.namespace, services: new Map() }));
    const old = space.services.get(service.name);
    if (old !== undefined) this.#release(old);
    const parts = this.#parts;
    const kept: Service = Object.freeze({
      namespace: space.namespace,
      name: service.name,
      clusterIPs: service.clusterIPs.length === 0 ? NO_IPS : Object.freeze([...service.clusterIPs]),
      headless: service.headless,
      externalName: service.externalName,
      selector: service.selector === undefined ? undefined : parts.intern(Object.freeze({ ...service.selector })),
      ports: parts.intern(Object.freeze(service.ports.map((p) => Object.freeze({ ...p })))),
    });
    space.services.set(service.name, kept);
    for (const ip of kept.clusterIPs) this.#byClusterIp.set(ipKey(ip), kept);
  }

  upsertSlice(slice: EndpointSlice): void {
    const key = `${slice.namespace}/${slice.service}`;
    let byName = this.#slices.get(key);
    if (byName === undefined) this.#slices.set(key, (byName = new Map()));
    byName.set(slice.name, Object.freeze({ ...slice, ports: Object.freeze([...slice.ports]), addresses: Object.freeze([...slice.addresses]) }));
  }

  get(namespace: string, name: string): Service | undefined {
    return this.#byNamespace.get(namespace)?.services.get(name);
  }

  /** Any spelling of the address finds the Service. */
  withClusterIp(ip: string): Service | undefined {
    return this.#byClusterIp.get(ipKey(ip));
  }

  /** The names of a namespace's Services, sorted (suggestions list them in a stable order). */
  names(namespace: string): string[] {
    return [...(this.#byNamespace.get(namespace)?.services.keys() ?? [])].sort(compareText);
  }

  /** A Service's slices in name order, so answers never depend on the order they were read in. */
  slices(namespace: string, service: string): EndpointSlice[] {
    return [...(this.#slices.get(`${namespace}/${service}`)?.values() ?? [])].sort((a, b) => compareText(a.name, b.name));
  }

  #release(old: Service): void {
    if (old.selector !== undefined) this.#parts.release(old.selector);
    this.#parts.release(old.ports);
    // Only the addresses still leading to the old object: another Service may have taken one since.
    for (const ip of old.clusterIPs) if (this.#byClusterIp.get(ipKey(ip)) === old) this.#byClusterIp.delete(ipKey(ip));
  }
}

const NO_IPS: readonly string[] = Object.freeze([]);

/** One string for the namespace of all its Services: each object read brings its own copy. */
interface NamespaceServices {
  readonly namespace: string;
  readonly services: Map<string, Service>;
}
