// The state of a Calico evaluation (see evaluate.ts): the port space in pieces, each with the courses
// evaluation may be on for those ports. A course is flowing (not decided in this tier yet), passed to the
// next tier, allowed or denied, and remembers the chain of deciders that led there.
import type { Direction } from '../objects/model.ts';
import type { PortSet } from '../netpol/port-set.ts';
import { ALL_PORTS, difference, intersect, isEmpty, union } from '../netpol/port-set.ts';
import type { CalicoPolicyRef, Tier, TierDefaultAction } from './model.ts';
import type { Truth } from './truth.ts';

/** One link of a decision chain. */
export type Decider =
  | {
      readonly kind: 'rule';
      readonly policy: CalicoPolicyRef;
      readonly direction: Direction;
      readonly index: number;
      readonly action: 'Allow' | 'Deny' | 'Pass';
      /** For a policy made from a Kubernetes NetworkPolicy: the index of that policy's rule. */
      readonly origin?: number;
    }
  /** Policies of the tier selected the endpoint but none decided these ports. */
  | { readonly kind: 'tier-default'; readonly tier: string; readonly action: TierDefaultAction }
  /** No policy in any tier selects the endpoint for this direction: open. */
  | { readonly kind: 'no-policy' }
  /** Passed out of the last tier that selected the endpoint: the namespace's profile allows. */
  | { readonly kind: 'profile' };

export interface Outcome {
  readonly allowed: boolean;
  /** In evaluation order: the Passes out of earlier tiers, then what decided. */
  readonly chain: readonly Decider[];
}

export interface DecisionPiece {
  readonly ports: PortSet;
  /** One outcome when the decision is certain; several when unknowns may lead to either. */
  readonly outcomes: readonly Outcome[];
}

interface Course {
  readonly phase: 'flow' | 'passed' | 'allowed' | 'denied';
  /** Whether a policy of the current tier selected the endpoint on this course (its default action applies). */
  readonly touched: boolean;
  /** Whether the policy being evaluated selects the endpoint on this course: only then do its rules apply. */
  readonly selected: boolean;
  readonly chain: readonly Decider[];
}

interface Piece {
  readonly ports: PortSet;
  readonly courses: readonly Course[];
}

export type Progress = readonly Piece[];

export const START: Progress = [{ ports: ALL_PORTS, courses: [{ phase: 'flow', touched: false, selected: false, chain: [] }] }];

export function hasFlow(progress: Progress): boolean {
  return progress.some((p) => p.courses.some((c) => c.phase === 'flow'));
}

/** Entering a policy that selects the endpoint, or (`maybe`) selects it on some courses and not on others. */
export function enterPolicy(progress: Progress, selection: Exclude<Truth, 'no'>): Progress {
  return reshape(progress, (c) => {
    if (c.phase !== 'flow') return [c];
    const selected = { ...c, touched: true, selected: true };
    return selection === 'yes' ? [selected] : [{ ...c, selected: false }, selected];
  });
}

/** A rule that surely matches `sure` and may match `maybe` (disjoint) decides, or passes, the flowing
 * courses on which its policy selects the endpoint. */
export function applyRule(progress: Progress, sure: PortSet, maybe: PortSet, decider: Decider & { readonly kind: 'rule' }): Progress {
  const phase = decider.action === 'Allow' ? 'allowed' : decider.action === 'Deny' ? 'denied' : 'passed';
  const decide = (c: Course): Course => ({ phase, touched: c.touched, selected: false, chain: [...c.chain, decider] });
  const open = (c: Course): boolean => c.phase === 'flow' && c.selected;
  const matched = union(sure, maybe);
  const out: Piece[] = [];
  for (const piece of progress) {
    if (!piece.courses.some(open)) {
      out.push(piece);
      continue;
    }
    const split: readonly [PortSet, (c: Course) => readonly Course[]][] = [
      [intersect(piece.ports, sure), (c) => [decide(c)]],
      [intersect(piece.ports, maybe), (c) => [c, decide(c)]],
      [difference(piece.ports, matched), (c) => [c]],
    ];
    for (const [ports, step] of split) {
      if (!isEmpty(ports)) out.push({ ports, courses: piece.courses.flatMap((c) => (open(c) ? step(c) : [c])) });
    }
  }
  return merge(out);
}

/** Leaving a tier that selected the endpoint: undecided ports meet its default action; passed ones go on. */
export function endTier(progress: Progress, tier: Tier): Progress {
  return reshape(progress, (c): readonly Course[] => {
    if (c.phase === 'passed') return [{ phase: 'flow', touched: false, selected: false, chain: c.chain }];
    if (c.phase !== 'flow' || !c.touched) return [c];
    const chain = [...c.chain, { kind: 'tier-default' as const, tier: tier.name, action: tier.defaultAction }];
    return [tier.defaultAction === 'Deny' ? { phase: 'denied', touched: true, selected: false, chain } : { phase: 'flow', touched: false, selected: false, chain }];
  });
}

/** After the last tier, what still flows is allowed: by no policy at all, or by the profile after a Pass. */
export function finish(progress: Progress): Progress {
  return reshape(progress, (c) => {
    if (c.phase !== 'flow') return [c];
    const end: Decider = c.chain.length === 0 ? { kind: 'no-policy' } : { kind: 'profile' };
    return [{ phase: 'allowed', touched: c.touched, selected: false, chain: [...c.chain, end] }];
  });
}

/** The finished pieces as the verdict shows them. */
export function toPieces(progress: Progress): readonly DecisionPiece[] {
  return progress.map((p) => ({ ports: p.ports, outcomes: p.courses.map((c) => ({ allowed: c.phase === 'allowed', chain: c.chain })) }));
}

function reshape(progress: Progress, step: (c: Course) => readonly Course[]): Progress {
  return merge(progress.map((p) => ({ ports: p.ports, courses: p.courses.flatMap(step) })));
}

/** Courses without repeats, and pieces on the same courses joined, so the pieces stay few. */
function merge(pieces: readonly Piece[]): Progress {
  const byKey = new Map<string, { ports: PortSet; courses: readonly Course[] }>();
  for (const piece of pieces) {
    const courses = new Map(piece.courses.map((c) => [courseKey(c), c]));
    const key = [...courses.keys()].sort().join('\n');
    const found = byKey.get(key);
    byKey.set(key, { ports: found === undefined ? piece.ports : union(found.ports, piece.ports), courses: found?.courses ?? [...courses.values()] });
  }
  return [...byKey.values()];
}

function courseKey(c: Course): string {
  return `${c.phase} ${c.touched} ${c.selected} ${c.chain.map(deciderKey).join(' ')}`;
}

function deciderKey(d: Decider): string {
  switch (d.kind) {
    case 'rule':
      return `rule:${d.policy.kind}/${d.policy.namespace ?? ''}/${d.policy.tier}/${d.policy.name}/${d.direction}/${d.index}/${d.action}`;
    case 'tier-default':
      return `tier:${d.tier}/${d.action}`;
    case 'no-policy':
    case 'profile':
      return d.kind;
    default: {
      const never: never = d;
      throw new Error(`unknown decider ${JSON.stringify(never)}`);
    }
  }
}
