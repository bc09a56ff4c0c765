// What Namespace CREATE stamps: the isolation annotations, the template and the environment label, the
// latter two taken from a parent namespace when one is named. The webhook turns it into a JSON patch;
// `nsguard generate` applies it to namespaces read from files.
import type { ClusterView } from '../objects/cluster-view.ts';
import { isExempt } from './generation.ts';
import type { Config, Labels, Namespace } from '../objects/model.ts';
import { ISOLATION_ANNOTATION, PARENT_ANNOTATION, TEMPLATE_ANNOTATION } from '../objects/nsguard-metadata.ts';

/** The configuration the defaults read. */
export type NamespaceDefaults = Pick<
  Config,
  'environmentLabel' | 'exemptNamespaces' | 'exemptNamespaceSelector' | 'defaultIsolation' | 'defaultTemplate' | 'environmentFromName'
>;

/** The annotations and labels a namespace being created should carry; given values win where it is applied. */
interface NamespaceStamp {
  readonly annotations: Labels;
  readonly labels: Labels;
}

/** What Namespace CREATE stamps, as values: the webhook turns it into a patch, `nsguard generate` merges it. */
export function namespaceStamp(namespace: Pick<Namespace, 'name' | 'labels' | 'annotations'>, options: NamespaceDefaults, view: Pick<ClusterView, 'namespace'>): NamespaceStamp {
  const { name } = namespace;
  if (isExempt(namespace, options)) return { annotations: {}, labels: {} };
  const parentName = namespace.annotations[PARENT_ANNOTATION];
  const parent = parentName === undefined ? undefined : view.namespace(parentName);

  const annotations: Record<string, string> = {};
  annotations[ISOLATION_ANNOTATION] = options.defaultIsolation;
  annotations[TEMPLATE_ANNOTATION] = parent?.annotations[TEMPLATE_ANNOTATION] ?? options.defaultTemplate;

  const labels: Record<string, string> = {};
  // With generateName the final name is unknown here, so no environment can be read from it.
  const fromName = name === '' ? undefined : options.environmentFromName.find((rule) => name.endsWith(rule.suffix))?.environment;
  const env = parent?.labels[options.environmentLabel] ?? fromName;
  if (env !== undefined) labels[options.environmentLabel] = env;
  return { annotations, labels };
}

/** The namespace as the apiserver stores it after the mutation: given values win over stamped ones. */
export function withNamespaceDefaults(namespace: Namespace, options: NamespaceDefaults, view: Pick<ClusterView, 'namespace'>): Namespace {
  const wanted = namespaceStamp(namespace, options, view);
  return { ...namespace, labels: { ...wanted.labels, ...namespace.labels }, annotations: { ...wanted.annotations, ...namespace.annotations } };
}
