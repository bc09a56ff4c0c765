import { blockOverlapsRange } from './cidr.ts';
import type { PolicyChange } from './change.ts';
import type { CheckResult } from './check-dns.ts';
import type { ClusterView } from './cluster-view.ts';
import type { Finding } from './decision.ts';
import { describeRulePeers, describePeer } from './describe-peer.ts';
import { describeChange, describeDecidingSide, describePath, describePolicy, joinAnd } from './describe.ts';
import type { Endpoint } from './endpoint.ts';
import { EndpointSet, namespaceOf, podEndpoint } from './endpoint.ts';
import { environmentOf, separatedFrom } from './environments.ts';
import type { Config, Direction, Namespace, Peer, Policy, Rule } from './model.ts';
import { policiesWith } from './policy-overlay.ts';
import type { EvaluationContext } from './reachability.ts';
import { evaluatePath, openPorts } from './reachability.ts';
import { isEmpty } from './port-set.ts';
import { selects } from './selector.ts';
import { representativeLabels, witnessNamespace, witnessPod } from './witness.ts';

/**
 * `env-boundary` for a NetworkPolicy write in namespace N of environment E: every path it can touch
 * has one end in N, so it is judged against each environment F that must stay apart from E, on
 * F's existing namespaces and on a witness "any namespace labelled env=F" (so a rule is caught before
 * the first F namespace exists). Two ways to fail: a rule that newly grants F (ports do not matter),
 * or a path between N and F that is open after the change and was not before.
 */
export function checkEnvBoundary(view: ClusterView, change: PolicyChange, config: Config): CheckResult {
  const home = namespaceOf(view, change.namespace);
  const env = environmentOf(home, config);
  const violations = new Map<string, Finding>();
  const warnings = new Map<string, Finding>();
  const before: EvaluationContext = { policies: policiesWith(view, change, change.before), podCIDRs: config.podCIDRs, reading: 'may' };
  const after: EvaluationContext = { policies: policiesWith(view, change, change.after), podCIDRs: config.podCIDRs, reading: 'may' };
  const objects = [change.before, change.after].filter((p): p is Policy => p !== undefined);
  const localPods = homePods(view, home, objects);

  for (const other of separatedFrom(env, config)) {
    const apart = `${env} and ${other} must stay apart`;
    const witness = witnessNamespace(config.environmentLabel, other);
    for (const namespace of otherNamespaces(view, objects, witness, other, config)) {
      const remotePods = otherPods(view, namespace, objects);
      for (const local of localPods) {
        for (const remote of remotePods) {
          for (const [from, to, side] of [[local, remote, 'egress'], [remote, local, 'ingress']] as const) {
            if (isEmpty(openPorts(after, from, to))) continue;
            const key = `${other}|${side}|${namespace.name}`;
            const already = !isEmpty(openPorts(before, from, to));
            const findings = already ? warnings : violations;
            if (findings.has(key)) continue;
            // Only a path that is reported gets its full verdict, to name the deciding policies.
            const now = evaluatePath(after, from, to);
            findings.set(key, {
              rule: 'env-boundary',
              message: already
                ? `${describePath(now)} is already open (${apart}): ${describeDecidingSide(now[side])}`
                : `${describeChange(change)} opens ${describePath(now)} (${apart}): ${describeDecidingSide(now[side])}`,
            });
          }
        }
      }
    }
    if (change.after === undefined) continue;
    // A direction whose opening is already reported names the rule there; its grants add nothing.
    const opened = new Set([...violations.keys()].filter((key) => key.startsWith(`${other}|`)).map((key) => key.split('|')[1]));
    const fresh = [...grants(view, change.after, witness, other, config).values()].filter((g) => !opened.has(g.direction) && !isGrantedBy(change.before, g, config));
    // One message per rule, naming every namespace it newly reaches.
    for (const [rule, targets] of groupBy(fresh, (g) => `${g.direction}|${g.index}`)) {
      const first = targets[0] as Grant;
      const names = targets.map((g) => (g.namespace.witness === true ? g.namespace.name.slice(1, -1) : `namespace ${g.namespace.name}`));
      const towards = first.direction === 'ingress' ? 'traffic from' : 'traffic to';
      violations.set(`${other}|grant|${rule}`, {
        rule: 'env-boundary',
        message:
          `${describeChange(change)} writes ${describePolicy(change.after)} ${first.direction} rule ${first.index} (${first.peers}), ` +
          `which allows ${towards} ${listed(names)} (${apart}; a port list does not close the path)`,
      });
    }
  }
  return { violations: [...violations.values()], warnings: [...warnings.values()] };
}

/** Pods of N the policy selects before or after: running groups and one witness per selector. */
function homePods(view: ClusterView, home: Namespace, objects: readonly Policy[]): readonly Endpoint[] {
  const pods = new EndpointSet();
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
function otherNamespaces(view: ClusterView, objects: readonly Policy[], witness: Namespace, env: string, config: Config): Namespace[] {
  const out = new Map<string, Namespace>([[witness.name, witness]]);
  for (const peer of peersOf(objects)) {
    if (peer.kind !== 'namespaces' || selects(peer.namespaceSelector, witness.labels)) continue;
    for (const ns of view.namespacesMatching(peer.namespaceSelector)) if (environmentOf(ns, config) === env) out.set(ns.name, ns);
  }
  return [...out.values()];
}

/** Pods of an F namespace: running groups, a pod with no labels, and one per pod selector the policy names. */
function otherPods(view: ClusterView, namespace: Namespace, objects: readonly Policy[]): readonly Endpoint[] {
  const pods = new EndpointSet();
  if (namespace.witness !== true) for (const group of view.podGroups(namespace.name)) pods.add(podEndpoint(view, group));
  pods.add({ kind: 'pod', group: witnessPod(namespace.name, {}), namespace });
  for (const peer of peersOf(objects)) {
    if (peer.kind !== 'namespaces' || peer.podSelector === undefined) continue;
    const labels = representativeLabels(peer.podSelector);
    if (labels !== undefined) pods.add({ kind: 'pod', group: witnessPod(namespace.name, labels), namespace });
  }
  return pods.items;
}

function peersOf(objects: readonly Policy[]): Peer[] {
  return objects.flatMap((p) => [...p.ingress, ...p.egress]).flatMap((r) => r.peers ?? []);
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
function grants(view: ClusterView, policy: Policy, witness: Namespace, env: string, config: Config): Map<string, Grant> {
  const out = new Map<string, Grant>();
  for (const direction of ['ingress', 'egress'] as const) {
    if (!policy.types.has(direction)) continue;
    rulesOf(policy, direction).forEach((rule, index) => {
      const targets = [witness];
      for (const peer of rule.peers ?? []) {
        if (peer.kind !== 'namespaces' || selects(peer.namespaceSelector, witness.labels)) continue;
        for (const ns of view.namespacesMatching(peer.namespaceSelector)) if (environmentOf(ns, config) === env) targets.push(ns);
      }
      for (const namespace of targets) {
        const key = `${direction}|${namespace.name}`;
        const peers = reachingPeers(rule, namespace, config);
        if (peers === undefined || out.has(key)) continue;
        out.set(key, { direction, index, namespace, peers: peers.length === 0 ? describeRulePeers(rule, direction) : joinAnd(peers.map(describePeer)) });
      }
    });
  }
  return out;
}

function isGrantedBy(policy: Policy | undefined, grant: Grant, config: Config): boolean {
  return policy !== undefined && policy.types.has(grant.direction) && rulesOf(policy, grant.direction).some((r) => reachingPeers(r, grant.namespace, config) !== undefined);
}

function rulesOf(policy: Policy, direction: Direction): readonly Rule[] {
  return direction === 'ingress' ? policy.ingress : policy.egress;
}

/** The peers of `rule` that reach pods of `namespace` ([] for a rule without peers, which reaches every
 * pod), or undefined when none does. */
function reachingPeers(rule: Rule, namespace: Namespace, config: Config): Peer[] | undefined {
  if (rule.peers === undefined) return [];
  const reaching = rule.peers.filter((peer) => {
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
