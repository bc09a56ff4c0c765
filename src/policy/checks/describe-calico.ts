// Calico verdicts in words: which policy of which tier, which rule, and the chain of Passes before it.
// A policy Calico made of a Kubernetes NetworkPolicy (`knp.default.<name>`) reads as that policy.
import type { CalicoDirectionVerdict, Decider, DecisionPiece, Outcome } from '../calico/evaluate.ts';
import type { CalicoPolicyRef } from '../calico/model.ts';
import { kubernetesOrigin } from '../calico/policy-names.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { intersect, isEmpty } from '../netpol/port-set.ts';
import { joinAnd } from './join.ts';

/** `GlobalNetworkPolicy allow-dns (tier default)`, `Calico NetworkPolicy app/x (tier security)`, `Kubernetes NetworkPolicy app/web`. */
export function describeCalicoPolicy(ref: CalicoPolicyRef): string {
  const origin = kubernetesOrigin(ref);
  if (origin !== undefined) return `Kubernetes NetworkPolicy ${origin.namespace}/${origin.name}`;
  const name = ref.kind === 'NetworkPolicy' ? `Calico NetworkPolicy ${ref.namespace ?? ''}/${ref.name}` : `GlobalNetworkPolicy ${ref.name}`;
  return `${name} (tier ${ref.tier})`;
}

const VERBS = { Allow: 'allows it', Deny: 'denies it', Pass: 'passes it to the next tier' } as const;

/**
 * One link; `selecting` names the policies of each tier that select the subject, for a tier's default action.
 * A rule of `own` (the policy being written, as describeCalicoPolicy names it) reads `its ... rule N`.
 */
export function describeDecider(decider: Decider, verdict: CalicoDirectionVerdict, subject: string, own?: string): string {
  switch (decider.kind) {
    case 'rule': {
      const name = describeCalicoPolicy(decider.policy);
      return `${name === own ? 'its' : name} ${decider.direction} rule ${decider.origin ?? decider.index} ${VERBS[decider.action]}`;
    }
    case 'tier-default': {
      const policies = verdict.selectedBy.filter((s) => s.policy.tier === decider.tier).map((s) => describeCalicoPolicy(s.policy));
      const many = policies.length > 1;
      return `${joinAnd(policies)} select${many ? '' : 's'} ${subject} for ${verdict.direction} and none of ${many ? 'their' : 'its'} rules decides it, so the default action ${decider.action} of tier ${decider.tier} applies`;
    }
    case 'no-policy':
      return `no policy selects ${subject} for ${verdict.direction}`;
    case 'profile':
      return "passed out of the last tier, the namespace's profile allows it";
    default: {
      const never: never = decider;
      throw new Error(`unknown decider ${JSON.stringify(never)}`);
    }
  }
}

/** The chain of one outcome: `A passes it to the next tier, then B allows it`. */
export function describeChain(chain: readonly Decider[], verdict: CalicoDirectionVerdict, subject: string, own?: string): string {
  return chain.map((d) => describeDecider(d, verdict, subject, own)).join(', then ');
}

/**
 * What opens (`allowed`) or closes one direction on `ports`: the distinct chains of the pieces that do so,
 * each once. Open is read as the reading asks: under `may` any allowing course counts.
 */
export function describeCalicoSide(verdict: CalicoDirectionVerdict, ports: PortSet, allowed: boolean, subject: string, own?: string): string {
  return [...new Set(sideOutcomes(verdict, ports, allowed).map((o) => describeChain(o.chain, verdict, subject, own)))].join('; or ');
}

/** The outcomes on `ports` that allow (or, with `allowed` false, deny) the direction, piece by piece. */
export function sideOutcomes(verdict: CalicoDirectionVerdict, ports: PortSet, allowed: boolean): Outcome[] {
  return relevant(verdict.pieces, ports).flatMap((piece) => piece.outcomes.filter((o) => o.allowed === allowed));
}

function relevant(pieces: readonly DecisionPiece[], ports: PortSet): DecisionPiece[] {
  return pieces.filter((p) => !isEmpty(intersect(p.ports, ports)));
}
