import type { Budget } from './budget.ts';
import { blockOverlapsRange } from '../netpol/cidr.ts';
import type { CalicoPolicyChange, PolicyChange } from '../objects/change.ts';
import { calicoWitnessLabels } from '../calico/witness-labels.ts';
import type { CalicoPolicy } from '../calico/model.ts';
import { addSelectedIn, calicoMatchesNamespace, changedPolicies, namespaceSelectors, ruleSelectors } from './calico-endpoints.ts';
import type { PathEvaluator } from '../paths/path-evaluator.ts';
import { changePaths } from '../paths/path-evaluator.ts';
import type { Check, CheckInput, CheckResult } from './check.ts';
import type { ClusterView } from '../objects/cluster-view.ts';
import type { Finding } from './decision.ts';
import { describeRulePeers, describePeer, describeRulePorts } from './describe-peer.ts';
import { describeChange, describeCountedPods, describeDecidingSide, describeEffect, describeEndpoints, describeOwnPolicy, joinAnd } from './describe.ts';
import { MAX_LISTED, kubernetesPolicyMention, podMentions, portMentions, rulePortMentions, sidePolicies, uniquePolicies } from './finding-fields.ts';
import { reportPorts } from '../paths/path-evaluator.ts';
import type { Endpoint } from '../netpol/endpoint.ts';
import { EndpointSet, namespaceOf, podEndpoint } from '../netpol/endpoint.ts';
import { environmentOf, separatedFrom } from './environments.ts';
import type { Config, Direction, Labels, Namespace, Peer, Policy, Rule, Selector } from '../objects/model.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { describePorts, isEmpty, union } from '../netpol/port-set.ts';
import { peerCost } from '../netpol/rule-index.ts';
import { satisfies, selectorFromLabels, selects } from '../netpol/selector.ts';
import { representativeLabels, witnessNamespace, witnessPod } from '../netpol/witness.ts';

/**
 * `env-boundary` for a NetworkPolicy write in namespace N of environment E: every path it can touch
 * has one end in N, so it is judged against each environment F that must stay apart from E, on
 * F's existing namespaces and on a witness "any namespace labelled env=F" (so a rule is caught before
 * the first F namespace exists). Two ways to fail: a rule that newly grants F (ports do not matter),
 * or a path between N and F that is open after the change and was not before.
 */
export function checkEnvBoundary({ view, change, config, budget }: CheckInput<PolicyChange>): CheckResult {
  const home = namespaceOf(view, change.namespace);
  const env = environmentOf(home, config);
  const found: Openings = { change, ...changePaths(view, change, config.podCIDRs, 'may', budget), violations: new Map(), warnings: new Map() };
  const { violations } = found;
  const grantFindings: Finding[] = [];
  let selected: readonly Endpoint[] | undefined;
  const objects = [change.before, change.after].filter((p): p is Policy => p !== undefined);
  const localPods = homePods(view, home, objects, budget);
  const peers = peersOf(objects, budget);
  const witnessLabels = peerWitnessLabels(peers, budget);

  for (const other of separatedFrom(env, config)) {
    const apart = `${env} and ${other} must stay apart`;
    const witness = witnessNamespace(config.environmentLabel, other);
    const reached = namespacesOf(view, witness, other, config, budget);
    for (const namespace of otherNamespaces(peers, witness, reached)) {
      findOpenings(found, localPods, otherPods(view, namespace, witnessLabels, budget), `${other}|`, `|${namespace.name}`, apart);
    }
    if (change.after === undefined) continue;
    // A direction whose opening is already reported names the rule there; its grants add nothing.
    const opened = new Set([...violations.keys()].filter((key) => key.startsWith(`${other}|`)).map((key) => key.split('|')[1]));
    const fresh = [...grants(change.after, witness, reached, config, budget).values()].filter(
      (g) => !opened.has(g.direction) && !isGrantedBy(change.before, g, config, budget),
    );
    // One message per rule, naming every namespace it newly reaches and the pods of the policy it opens.
    for (const targets of groupBy(fresh, (g) => `${g.direction}|${g.index}`).values()) {
      const after = change.after;
      selected ??= localPods.filter((e) => e.kind === 'pod' && selects(after.podSelector, e.group.labels));
      grantFindings.push(grantFinding(change, after, targets, selected, apart));
    }
  }
  return { violations: [...openingFindings(found, found.violations, false), ...grantFindings], warnings: openingFindings(found, found.warnings, true) };
}

/** `writes its ingress rule 0 (peers), which allows traffic from namespace t to prod/db-0 on TCP 3306`. */
function grantFinding(change: PolicyChange, policy: Policy, targets: readonly Grant[], selected: readonly Endpoint[], apart: string): Finding {
  const { direction, index, peers } = targets[0] as Grant;
  const rule = rulesOf(policy, direction)[index] as Rule;
  const names = targets.map((g) => (g.namespace.witness === true ? g.namespace.name.slice(1, -1) : `namespace ${g.namespace.name}`));
  const pods = selected.length === 0 ? '' : ` ${direction === 'ingress' ? 'to' : 'from'} ${describeCountedPods(selected)}`;
  const [localSide, remoteSide] = direction === 'egress' ? (['from', 'to'] as const) : (['to', 'from'] as const);
  return {
    rule: 'env-boundary',
    message:
      `${describeChange(change)} writes its ${direction} rule ${index} (${peers}), which allows traffic ${direction === 'ingress' ? 'from' : 'to'} ${listed(names)}` +
      `${pods} on ${describeRulePorts(rule.ports)} (${apart}; a port list does not close the path)`,
    directions: [direction],
    pods: [...podMentions(selected, localSide), ...podMentions(targets.map((g) => ({ kind: 'pod', group: witnessPod(g.namespace.name, {}), namespace: g.namespace })), remoteSide)],
    ports: rulePortMentions(rule.ports),
    policies: [kubernetesPolicyMention(policy, 'allows', direction, index)],
  };
}

/**
 * `env-boundary` for a Calico policy, judged on paths: between the pods it may select in its namespace
 * (for a GlobalNetworkPolicy, in any namespace of each separated environment, both ways round) and the
 * pods of every namespace of the other environment, witnesses standing for namespaces and pods that could
 * exist. Read `may`: a path that could open under some unknowns counts. Calico's Deny and tier order can
 * shadow an Allow, so only paths are judged, not what a rule grants on its own.
 */
export function checkCalicoEnvBoundary({ view, change, config, budget }: CheckInput<CalicoPolicyChange>): CheckResult {
  const found: Openings = { change, ...changePaths(view, change, config.podCIDRs, 'may', budget), violations: new Map(), warnings: new Map() };
  const objects = changedPolicies(view, change);
  const labels = objects.flatMap(ruleSelectors).map((s) => calicoWitnessLabels(s)).filter((l) => l !== undefined);
  budget.spend(labels.length);
  const selectors = objects.flatMap(namespaceSelectors);
  // The witness, and real namespaces of the environment: all those a global policy may select on the side
  // it is judged from (their own policies differ from the witness's none), else those a selector picks out.
  const namespacesOfEnv = (env: string, selectedBy: readonly CalicoPolicy[]): Namespace[] => {
    const witness = witnessNamespace(config.environmentLabel, env);
    const inEnv = selectorFromLabels({ [config.environmentLabel]: env });
    budget.spend(view.namespaceLookupCost(inEnv));
    const picked = [...view.namespacesMatching(inEnv)].filter((ns) => {
      budget.spend(1 + selectors.length + selectedBy.length);
      return (
        selectedBy.some((p) => p.kind === 'GlobalNetworkPolicy' && calicoMatchesNamespace(p.namespaceSelector, ns)) ||
        selectors.some((s) => calicoMatchesNamespace(s, ns) && !calicoMatchesNamespace(s, witness))
      );
    });
    return [witness, ...picked];
  };
  const home = change.namespace === undefined ? undefined : namespaceOf(view, change.namespace);
  const pairs: (readonly [string, string])[] =
    home === undefined ? config.separateEnvironments.flatMap(([a, b]) => [[a, b] as const, [b, a] as const]) : separatedFrom(environmentOf(home, config), config).map((other) => [environmentOf(home, config) as string, other] as const);
  for (const [env, other] of pairs) {
    const apart = `${env} and ${other} must stay apart`;
    const locals = new EndpointSet(budget);
    for (const namespace of home === undefined ? namespacesOfEnv(env, objects) : [home]) for (const policy of objects) addSelectedIn(view, policy, namespace, locals, budget);
    for (const namespace of namespacesOfEnv(other, [])) findOpenings(found, locals.items, otherPods(view, namespace, labels, budget), `${other}|`, `|${namespace.name}`, apart);
  }
  return { violations: openingFindings(found, found.violations, false), warnings: openingFindings(found, found.warnings, true) };
}

/** What one review of paths between two sides found: an opening per key, and the findings they make. */
interface Openings {
  readonly change: PolicyChange | CalicoPolicyChange;
  readonly before: PathEvaluator;
  readonly after: PathEvaluator;
  readonly violations: Map<string, Opening>;
  readonly warnings: Map<string, Opening>;
}

/** Paths of one key: the local pods they open for (each with the first remote pod), and their ports. */
interface Opening {
  readonly side: Direction;
  readonly apart: string;
  readonly locals: Map<Endpoint, Endpoint>;
  ports: PortSet;
}

/**
 * Each path between a local and a remote pod, both ways, that is open after the change: a violation when it
 * was closed before, else a warning (already open). Keyed `${prefix}${side}${suffix}`, one finding per key
 * naming every local pod it holds for.
 */
function findOpenings(found: Openings, locals: readonly Endpoint[], remotes: readonly Endpoint[], prefix: string, suffix: string, apart: string): void {
  // Both directions spelled out: a [from, to, side] tuple per pair allocated three arrays on every path.
  for (const local of locals) {
    for (const remote of remotes) {
      findOpening(found, local, remote, local, remote, 'egress', prefix, suffix, apart);
      findOpening(found, local, remote, remote, local, 'ingress', prefix, suffix, apart);
    }
  }
}

function findOpening(found: Openings, local: Endpoint, remote: Endpoint, from: Endpoint, to: Endpoint, side: Direction, prefix: string, suffix: string, apart: string): void {
  const ports = found.after.openPorts(from, to);
  if (isEmpty(ports)) return;
  const key = `${prefix}${side}${suffix}`;
  const openings = isEmpty(found.before.openPorts(from, to)) ? found.violations : found.warnings;
  const opening = openings.get(key);
  if (opening === undefined) openings.set(key, { side, apart, locals: new Map([[local, remote]]), ports });
  else {
    if (!opening.locals.has(local)) opening.locals.set(local, remote);
    opening.ports = union(opening.ports, ports);
  }
}

/**
 * One finding per opening: the local pods named (a few, and how many run), the ports once, and the rules
 * that open it once, read from the verdicts of the first few paths only (a message names no more).
 */
function openingFindings(found: Openings, openings: ReadonlyMap<string, Opening>, already: boolean): Finding[] {
  const { after, change } = found;
  const own = describeOwnPolicy(change);
  return [...openings.values()].map(({ side, apart, locals, ports }) => {
    // Running pods are named when there are any (describeCountedPods), so their paths explain the opening.
    const running = [...locals].filter(([local]) => local.kind === 'pod' && local.group.witness !== true);
    const pairs = (running.length > 0 ? running : [...locals]).slice(0, MAX_LISTED);
    const reports = pairs.map(([local, remote]) => (side === 'egress' ? after.report(local, remote) : after.report(remote, local)));
    const firstRemote = (pairs[0] as readonly [Endpoint, Endpoint])[1];
    const remote = describeEndpoints([firstRemote]);
    const pods = describeCountedPods([...locals.keys()]);
    const path = `${side === 'egress' ? `${pods} → ${remote}` : `${remote} → ${pods}`} on ${describePorts(ports)}`;
    const subject = pairs.length > 1 ? 'them' : undefined;
    const deciding = [...new Set(reports.map((r) => describeDecidingSide(r, side, { own, ...(subject === undefined ? {} : { subject }) })))].join('; ');
    const [localSide, remoteSide] = side === 'egress' ? (['from', 'to'] as const) : (['to', 'from'] as const);
    return {
      rule: 'env-boundary',
      message: already ? `${path} is already open (${apart}): ${deciding}` : `${describeEffect(change, 'opens', 'would open')} ${path} (${apart}): ${deciding}`,
      directions: [side],
      pods: [...podMentions(running.length > 0 ? running.map(([local]) => local) : [...locals.keys()], localSide), ...podMentions([firstRemote], remoteSide)],
      ports: portMentions(ports),
      policies: uniquePolicies(reports.flatMap((r) => sidePolicies(r, side, true, reportPorts(r)))),
    };
  });
}

/** Pods of N the policy selects before or after: running groups and one witness per selector. */
function homePods(view: ClusterView, home: Namespace, objects: readonly Policy[], budget: Budget): readonly Endpoint[] {
  const pods = new EndpointSet(budget);
  for (const p of objects) for (const group of view.podGroupsMatching(home.name, p.podSelector)) pods.add(podEndpoint(view, group));
  for (const p of objects) {
    const labels = representativeLabels(p.podSelector);
    if (labels !== undefined) pods.add({ kind: 'pod', group: witnessPod(home.name, labels), namespace: home });
  }
  return pods.items;
}

/**
 * The witness namespace of F stands for every F namespace a broad peer matches; real F namespaces are
 * added only when a peer picks them out by labels the witness lacks (a name, a team label).
 */
function otherNamespaces(peers: readonly Peer[], witness: Namespace, reached: (selector: Selector) => readonly Namespace[]): Namespace[] {
  const out = new Map<string, Namespace>([[witness.name, witness]]);
  for (const peer of peers) {
    if (peer.kind !== 'namespaces' || selects(peer.namespaceSelector, witness.labels)) continue;
    for (const ns of reached(peer.namespaceSelector)) out.set(ns.name, ns);
  }
  return [...out.values()];
}

/**
 * The F namespaces a selector matches, each selector looked up once a review (otherNamespaces and
 * grants ask alike). Every F namespace carries the environment label with the witness's value, so a
 * requirement on that label which the witness fails, they all fail: such selectors cost no lookup.
 */
function namespacesOf(view: ClusterView, witness: Namespace, env: string, config: Config, budget: Budget): (selector: Selector) => readonly Namespace[] {
  const found = new Map<Selector, readonly Namespace[]>();
  const envLabel = config.environmentLabel;
  return (selector) => {
    let namespaces = found.get(selector);
    if (namespaces !== undefined) return namespaces;
    budget.spend(selectorSize(selector));
    const excludesEnv = witness.labels[envLabel] === env && selector.requirements.some((r) => r.key === envLabel && !satisfies(r, witness.labels));
    if (excludesEnv) namespaces = [];
    else {
      const inEnv: Selector = { requirements: [...selector.requirements, { key: envLabel, operator: 'In', values: [env] }] };
      budget.spend(view.namespaceLookupCost(inEnv));
      namespaces = [...view.namespacesMatching(inEnv)];
      budget.spend(namespaces.length);
    }
    found.set(selector, namespaces);
    return namespaces;
  };
}

/** Requirements and values: what matching or looking up the selector reads. */
function selectorSize(selector: Selector): number {
  let size = 1;
  for (const r of selector.requirements) size += 1 + r.values.length;
  return size;
}

/** Pods of an F namespace: running groups, a pod with no labels, and one per pod selector the policy names. */
function otherPods(view: ClusterView, namespace: Namespace, witnessLabels: readonly Labels[], budget: Budget): readonly Endpoint[] {
  const pods = new EndpointSet(budget);
  if (namespace.witness !== true) for (const group of view.podGroups(namespace.name)) pods.add(podEndpoint(view, group));
  pods.add({ kind: 'pod', group: witnessPod(namespace.name, {}), namespace });
  for (const labels of witnessLabels) pods.add({ kind: 'pod', group: witnessPod(namespace.name, labels), namespace });
  return pods.items;
}

/** The labels of a witness pod for each peer that pairs a namespaceSelector with a podSelector. */
function peerWitnessLabels(peers: readonly Peer[], budget: Budget): Labels[] {
  const out: Labels[] = [];
  for (const peer of peers) {
    if (peer.kind !== 'namespaces' || peer.podSelector === undefined) continue;
    budget.spend(selectorSize(peer.podSelector));
    const labels = representativeLabels(peer.podSelector);
    if (labels !== undefined) out.push(labels);
  }
  return out;
}

function peersOf(objects: readonly Policy[], budget: Budget): Peer[] {
  const peers = objects.flatMap((p) => [...p.ingress, ...p.egress]).flatMap((r) => r.peers ?? []);
  budget.spend(peers.length);
  return peers;
}

interface Grant {
  readonly direction: Direction;
  readonly index: number;
  readonly namespace: Namespace;
  readonly peers: string;
}

/**
 * Rules of `policy` whose peers reach pods of environment F, keyed by direction and namespace: the
 * witness for peers broad enough to match it (they reach every F namespace), and the F namespaces a
 * narrower peer picks out, found through the label index rather than by listing every namespace.
 */
function grants(policy: Policy, witness: Namespace, reached: (selector: Selector) => readonly Namespace[], config: Config, budget: Budget): Map<string, Grant> {
  const out = new Map<string, Grant>();
  for (const direction of ['ingress', 'egress'] as const) {
    if (!policy.types.has(direction)) continue;
    rulesOf(policy, direction).forEach((rule, index) => {
      const targets = [witness];
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== 'namespaces' || selects(peer.namespaceSelector, witness.labels)) continue;
        targets.push(...reached(peer.namespaceSelector));
      }
      for (const namespace of targets) {
        const key = `${direction}|${namespace.name}`;
        const peers = reachingPeers(rule, namespace, config, budget);
        if (peers === undefined || out.has(key)) continue;
        out.set(key, { direction, index, namespace, peers: peers.length === 0 ? describeRulePeers(rule, direction) : joinAnd(peers.map(describePeer)) });
      }
    });
  }
  return out;
}

function isGrantedBy(policy: Policy | undefined, grant: Grant, config: Config, budget: Budget): boolean {
  return (
    policy !== undefined && policy.types.has(grant.direction) && rulesOf(policy, grant.direction).some((r) => reachingPeers(r, grant.namespace, config, budget) !== undefined)
  );
}

function rulesOf(policy: Policy, direction: Direction): readonly Rule[] {
  return direction === 'ingress' ? policy.ingress : policy.egress;
}

/** The peers of `rule` that reach pods of `namespace` ([] for a rule without peers, which reaches every
 * pod), or undefined when none does. */
function reachingPeers(rule: Rule, namespace: Namespace, config: Config, budget: Budget): Peer[] | undefined {
  budget.spend(1);
  if (rule.peers === undefined) return [];
  const reaching = rule.peers.filter((peer) => {
    budget.spend(peerCost(peer));
    switch (peer.kind) {
      case 'pods':
        // Pods of the policy's own namespace: never another environment.
        return false;
      case 'namespaces':
        return selects(peer.namespaceSelector, namespace.labels) && (peer.podSelector === undefined || representativeLabels(peer.podSelector) !== undefined);
      case 'ipBlock':
        // A pod of F may hold any address of the pod CIDRs.
        return config.podCIDRs.some((c) => blockOverlapsRange(peer.ipBlock, c));
      default: {
        const never: never = peer;
        throw new Error(`unknown peer ${JSON.stringify(never)}`);
      }
    }
  });
  return reaching.length > 0 ? reaching : undefined;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const same = out.get(key(item));
    if (same === undefined) out.set(key(item), [item]);
    else same.push(item);
  }
  return out;
}

/** The witness reads "any namespace labelled env=test"; real namespaces follow, the first few by name. */
function listed(targets: readonly string[]): string {
  const shown = targets.slice(0, 4);
  const more = targets.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more namespaces` : joinAnd(shown);
}

export const ENV_BOUNDARY: Check<PolicyChange> = { rule: 'env-boundary', run: checkEnvBoundary };
export const CALICO_ENV_BOUNDARY: Check<CalicoPolicyChange> = { rule: 'env-boundary', run: checkCalicoEnvBoundary };
