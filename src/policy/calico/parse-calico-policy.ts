// Calico NetworkPolicy, GlobalNetworkPolicy and their staged forms, in projectcalico.org/v3 or as stored in
// crd.projectcalico.org/v1, into a CalicoPolicy with Calico's defaulting applied (libcalico-go/lib/clientv3
// defaultPolicyTypesField; tier `default`) and its validation repeated.
import type { Direction } from '../objects/model.ts';
import type { Fields, ObjectContext } from '../objects/parse-fields.ts';
import { invalidField, optionalFields, optionalList, requireString } from '../objects/parse-fields.ts';
import type { CalicoPolicy, CalicoRule, StagedAction, Unmodelled } from './model.ts';
import { STAGED_ACTIONS } from './model.ts';
import { parseCalicoHead } from './parse-calico-head.ts';
import { parseCalicoRules, parseSelectorField } from './parse-calico-rule.ts';
import { backendPolicyName, clientPolicyName, tierFromPolicyName } from './policy-names.ts';
import type { CalicoSelector } from './selector.ts';
import { usesGlobal } from './truth.ts';

export type CalicoPolicyKind = 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy';
export const CALICO_POLICY_KINDS: readonly CalicoPolicyKind[] = ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'];

const TYPES: Readonly<Record<string, Direction>> = { Ingress: 'ingress', Egress: 'egress' };
const ALL: CalicoSelector = { op: 'all' };

export function parseCalicoPolicy(raw: unknown, kind: CalicoPolicyKind, where: string): CalicoPolicy {
  const global = kind === 'GlobalNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  const staged = kind === 'StagedNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
  const head = parseCalicoHead(raw, kind, !global, where);
  const { ctx } = head;
  // A missing spec is the zero value to Calico: a policy selecting every endpoint, ingress only.
  const spec = optionalFields(head.fields['spec'], 'spec', ctx) ?? {};
  rejectKubernetesFields(spec, ctx);
  const tierField = spec['tier'] === undefined || spec['tier'] === null || spec['tier'] === '' ? undefined : requireString(spec['tier'], 'spec.tier', ctx);
  const stored = head.group === 'crd';
  const unmodelled: Unmodelled[] = [];
  const reader = { ctx, unmodelled };
  const ingress = parseCalicoRules(spec['ingress'], 'spec.ingress', 'ingress', reader);
  const egress = parseCalicoRules(spec['egress'], 'spec.egress', 'egress', reader);
  const stagedAction = staged ? parseStagedAction(spec['stagedAction'], ctx) : undefined;
  const common = {
    name: stored ? (head.v3Name ?? clientPolicyName(head.name)) : head.name,
    backendName: stored ? head.name : backendPolicyName(head.name),
    tier: tierField ?? (stored ? tierFromPolicyName(head.name) : 'default'),
    order: parseOrder(spec['order'], ctx),
    staged: stagedAction,
    selector: policySelector(spec, 'selector', ctx) ?? ALL,
    serviceAccountSelector: policySelector(spec, 'serviceAccountSelector', ctx),
    // A staged deletion carries no types (Calico clears them); it only ever removes a policy.
    types: stagedAction === 'Delete' ? new Set<Direction>() : parseTypes(spec['types'], ingress, egress, ctx),
    ingress,
    egress,
    unmodelled,
    labels: head.labels,
    annotations: head.annotations,
  };
  if (!global) return { ...common, kind: 'NetworkPolicy', namespace: head.namespace ?? '' };
  checkHostFlags(spec, common.types, egress, ctx, unmodelled);
  return { ...common, kind: 'GlobalNetworkPolicy', namespaceSelector: policySelector(spec, 'namespaceSelector', ctx) };
}

function rejectKubernetesFields(spec: Fields, ctx: ObjectContext): void {
  if (spec['podSelector'] !== undefined) {
    throw invalidField(ctx, 'spec.podSelector', spec['podSelector'], 'selector, a Calico selector such as app == "web" (podSelector is a Kubernetes NetworkPolicy field)');
  }
  if (spec['policyTypes'] !== undefined) {
    throw invalidField(ctx, 'spec.policyTypes', spec['policyTypes'], 'types, [Ingress], [Egress] or both (policyTypes is a Kubernetes NetworkPolicy field)');
  }
}

/** A selector of the policy itself: global() is only for a rule's namespaceSelector. */
function policySelector(spec: Fields, key: string, ctx: ObjectContext): CalicoSelector | undefined {
  const selector = parseSelectorField(spec[key], `spec.${key}`, ctx);
  if (selector !== undefined && usesGlobal(selector)) {
    throw invalidField(ctx, `spec.${key}`, spec[key], 'no global() (it is only valid in a namespaceSelector of a rule\'s source or destination)');
  }
  return selector;
}

function parseOrder(raw: unknown, ctx: ObjectContext): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) throw invalidField(ctx, 'spec.order', raw, 'a number (lower runs first)');
  return raw;
}

function parseStagedAction(raw: unknown, ctx: ObjectContext): StagedAction {
  if (raw === undefined || raw === null || raw === '') return 'Set';
  if (!STAGED_ACTIONS.includes(raw as StagedAction)) throw invalidField(ctx, 'spec.stagedAction', raw, `one of ${STAGED_ACTIONS.join(', ')}`);
  return raw as StagedAction;
}

/**
 * Calico's defaulting of absent or empty types: Ingress when there are no egress rules (even with no rules
 * at all), Egress alone when there are egress rules and no ingress rules, both when there are both.
 */
function parseTypes(raw: unknown, ingress: readonly CalicoRule[], egress: readonly CalicoRule[], ctx: ObjectContext): ReadonlySet<Direction> {
  const list = optionalList(raw, 'spec.types', ctx) ?? [];
  if (list.length === 0) {
    if (egress.length === 0) return new Set<Direction>(['ingress']);
    return new Set<Direction>(ingress.length === 0 ? ['egress'] : ['ingress', 'egress']);
  }
  const types = new Set<Direction>();
  list.forEach((t, i) => {
    const direction = typeof t === 'string' && Object.hasOwn(TYPES, t) ? TYPES[t] : undefined;
    if (direction === undefined) throw invalidField(ctx, `spec.types[${i}]`, t, 'Ingress or Egress');
    if (types.has(direction)) throw invalidField(ctx, `spec.types[${i}]`, t, 'each type once');
    types.add(direction);
  });
  return types;
}

/** The GlobalNetworkPolicy flags for host endpoints (validateGlobalNetworkPolicy), all not modelled. */
function checkHostFlags(spec: Fields, types: ReadonlySet<Direction>, egress: readonly CalicoRule[], ctx: ObjectContext, unmodelled: Unmodelled[]): void {
  const flag = (key: 'doNotTrack' | 'preDNAT' | 'applyOnForward'): boolean => {
    const value = spec[key];
    if (value === undefined || value === null) return false;
    if (typeof value !== 'boolean') throw invalidField(ctx, `spec.${key}`, value, 'true or false');
    if (value) unmodelled.push({ feature: key, path: `spec.${key}` });
    return value;
  };
  const doNotTrack = flag('doNotTrack');
  const preDNAT = flag('preDNAT');
  const applyOnForward = flag('applyOnForward');
  if (doNotTrack && preDNAT) throw invalidField(ctx, 'spec.preDNAT', true, 'not both preDNAT and doNotTrack');
  if (preDNAT && (egress.length > 0 || types.has('egress'))) throw invalidField(ctx, 'spec.preDNAT', true, 'no egress rules or Egress type on a preDNAT policy');
  if ((doNotTrack || preDNAT) && !applyOnForward) throw invalidField(ctx, 'spec.applyOnForward', spec['applyOnForward'], 'true when preDNAT or doNotTrack is');
}
