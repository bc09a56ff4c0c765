import type { Config, Namespace } from '../objects/model.ts';

export function environmentOf(namespace: Namespace, config: Config): string | undefined {
  return namespace.labels[config.environmentLabel];
}

/** The environments that must never reach `env` nor be reached from it (pairs hold either way). */
export function separatedFrom(env: string | undefined, config: Config): string[] {
  if (env === undefined) return [];
  const out = new Set<string>();
  for (const [a, b] of config.separateEnvironments) {
    if (a === env) out.add(b);
    if (b === env) out.add(a);
  }
  return [...out].sort();
}
