// `nsguard explain` in a cluster with Calico objects: per direction, the policies that select the
// subject in evaluation order (tier, then order), and for the ports asked about, the chain that decides
// them: which tier, which policy, which rule, each Pass on the way, or a tier's default action.
import type { CalicoDirectionVerdict, CalicoPathVerdict, DecisionPiece } from '../policy/calico/evaluate.ts';
import { describeCalicoPolicy, describeChain } from '../policy/checks/describe-calico.ts';
import { describeEndpoint } from '../policy/netpol/endpoint.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import { ALL_PORTS, describePorts, intersect, isEmpty } from '../policy/netpol/port-set.ts';

/**
 * Each direction's lines. `asked`: the port asked about (undefined: every port is shown); `isOpen` says
 * what open means for a side, as for the whole path; `unread`: why a direction's policies could not be
 * read, if they could not (it is then unknown).
 */
export function calicoLines(verdict: CalicoPathVerdict, asked: PortSet | undefined, isOpen: (ports: PortSet) => boolean, unread: readonly (string | undefined)[]): string[] {
  const lines: string[] = [];
  for (const [i, side] of [verdict.egress, verdict.ingress].entries()) {
    const subject = describeEndpoint(side.subject);
    const missed = unread[i];
    if (missed !== undefined) {
      lines.push(`  ${side.direction} of ${subject}: unknown (${missed})`);
      continue;
    }
    lines.push(`  ${side.direction} of ${subject}: ${isOpen(side.must) ? 'open' : 'closed'}`);
    if (!side.applies) {
      lines.push('    outside the cluster: no policy applies');
      continue;
    }
    if (side.selectedBy.length > 0) lines.push(`    selected by ${side.selectedBy.map((s) => `${describeCalicoPolicy(s.policy)}${s.truth === 'maybe' ? ' (maybe)' : ''}`).join(', ')}`);
    for (const { ports, outcomes } of pieces(side, asked)) {
      for (const o of outcomes) lines.push(`    ${describePorts(ports)}: ${o.allowed ? 'allowed' : 'denied'}: ${o.chain}`);
    }
    for (const n of side.notModelled) lines.push(`    not modelled: ${describeCalicoPolicy(n.policy)} uses ${n.feature} at ${n.path}`);
  }
  return lines;
}

export function calicoJson(verdict: CalicoPathVerdict, asked: PortSet | undefined, isOpen: (ports: PortSet) => boolean) {
  const side = (s: CalicoDirectionVerdict) => ({
    subject: describeEndpoint(s.subject),
    applies: s.applies,
    open: isOpen(s.must),
    ports: describePorts(s.must),
    selectedBy: s.selectedBy.map((sel) => ({ policy: describeCalicoPolicy(sel.policy), tier: sel.policy.tier, maybe: sel.truth === 'maybe' })),
    decisions: pieces(s, asked).map(({ ports, outcomes }) => ({ ports: describePorts(ports), outcomes })),
    notModelled: s.notModelled.map((n) => ({ policy: describeCalicoPolicy(n.policy), feature: n.feature, path: n.path })),
  });
  return { egress: side(verdict.egress), ingress: side(verdict.ingress) };
}

/** The verdict's pieces cut to the ports asked about, each outcome with its chain in words. */
function pieces(side: CalicoDirectionVerdict, asked: PortSet | undefined): { ports: PortSet; outcomes: { allowed: boolean; chain: string }[] }[] {
  const subject = describeEndpoint(side.subject);
  return side.pieces
    .map((piece: DecisionPiece) => ({ piece, ports: intersect(piece.ports, asked ?? ALL_PORTS) }))
    .filter(({ ports }) => !isEmpty(ports))
    .map(({ piece, ports }) => ({ ports, outcomes: piece.outcomes.map((o) => ({ allowed: o.allowed, chain: describeChain(o.chain, side, subject) })) }));
}
