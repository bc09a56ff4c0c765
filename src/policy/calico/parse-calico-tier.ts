// A Calico Tier (api/pkg/apis/projectcalico/v3/tier.go), in either API group.
import { invalidField, optionalFields } from '../objects/parse-fields.ts';
import type { Tier, TierDefaultAction } from './model.ts';
import { parseCalicoHead } from './parse-calico-head.ts';

const DEFAULT_ACTIONS: readonly TierDefaultAction[] = ['Deny', 'Pass'];

export function parseTier(raw: unknown, where: string): Tier {
  const head = parseCalicoHead(raw, 'Tier', false, where);
  const { ctx } = head;
  const spec = optionalFields(head.fields['spec'], 'spec', ctx) ?? {};
  const order = spec['order'] ?? undefined;
  if (order !== undefined && (typeof order !== 'number' || !Number.isFinite(order))) throw invalidField(ctx, 'spec.order', order, 'a number (lower runs first)');
  const defaultAction = spec['defaultAction'] ?? 'Deny';
  if (!DEFAULT_ACTIONS.includes(defaultAction as TierDefaultAction)) throw invalidField(ctx, 'spec.defaultAction', defaultAction, DEFAULT_ACTIONS.join(' or '));
  return { name: head.name, order, defaultAction: defaultAction as TierDefaultAction };
}
