import type { NamespaceChange, Requester } from '../objects/change.ts';
import type { Check, CheckInput, CheckResult } from './check.ts';
import type { Finding } from './decision.ts';
import { NO_FIELDS } from './finding-fields.ts';
import type { Config, Mode, Namespace } from '../objects/model.ts';
import { MODES } from '../objects/model.ts';

/** Per-namespace override of the configured mode; only admins may set it (tenants must not switch
 * themselves to audit). */
export const MODE_ANNOTATION = 'nsguard.io/mode';

export function isMode(value: string | undefined): value is Mode {
  return MODES.includes(value as Mode);
}

export function modeFor(namespace: Namespace | undefined, config: Config): Mode {
  const value = namespace?.annotations[MODE_ANNOTATION];
  return isMode(value) ? value : config.mode;
}

export function isAdmin(requester: Requester, config: Config): boolean {
  return config.adminUsers.includes(requester.username) || requester.groups.some((g) => config.adminGroups.includes(g));
}

/** `isolation-tamper` when someone who is not an admin sets, changes or removes the mode override. */
export function checkModeOverride({ change, requester, config }: CheckInput<NamespaceChange>): CheckResult {
  const was = change.before?.annotations[MODE_ANNOTATION];
  const now = change.after?.annotations[MODE_ANNOTATION];
  const warnings: Finding[] = [];
  if (now !== undefined && !isMode(now)) {
    warnings.push({
      rule: 'isolation-tamper',
      message: `annotation ${MODE_ANNOTATION}=${now} on namespace ${change.name} is not one of ${MODES.join(', ')}; the configured mode ${config.mode} applies`,
      ...NO_FIELDS,
    });
  }
  if (was === now || change.after === undefined || isAdmin(requester, config)) return { violations: [], warnings };
  const what = now === undefined ? `removes annotation ${MODE_ANNOTATION}=${was}` : `sets annotation ${MODE_ANNOTATION}=${now}`;
  return {
    violations: [
      {
        rule: 'isolation-tamper',
        message: `user ${requester.username} ${what} on namespace ${change.name}; only members of ${config.adminGroups.join(', ') || 'the configured admin groups'} may change the enforcement mode`,
        ...NO_FIELDS,
      },
    ],
    warnings,
  };
}

export const MODE_OVERRIDE: Check<NamespaceChange> = { rule: 'isolation-tamper', run: checkModeOverride };
