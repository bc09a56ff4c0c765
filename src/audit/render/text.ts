// The report for a terminal: the summary, the environment matrix, the findings, and a table per
// namespace. Colour only when asked (the CLI asks on a TTY without NO_COLOR).
import { COLOUR_ESCAPE, printedWidth } from '../../terminal-text.ts';
import type { AuditReport, EnvironmentCell, Severity } from '../report.ts';

export interface TextOptions {
  readonly colour: boolean;
}

const ANSI: Readonly<Record<Severity | 'bold' | 'dim' | 'green', string>> = { high: '31', medium: '33', low: '36', bold: '1', dim: '2', green: '32' };

export function renderText(report: AuditReport, options: TextOptions): string {
  const paint = (style: keyof typeof ANSI, text: string): string => (options.colour ? `${COLOUR_ESCAPE}[${ANSI[style]}m${text}${COLOUR_ESCAPE}[0m` : text);
  const { cluster, summary } = report;
  const out: string[] = [];
  out.push(paint('bold', `nsguard audit of ${report.source}`) + ` (${report.semantics === 'calico' ? 'Calico tiers and Kubernetes NetworkPolicies' : 'Kubernetes NetworkPolicy'} semantics)`);
  out.push(`${cluster.namespaces} namespaces, ${cluster.pods} pods in ${cluster.podGroups} groups, ${cluster.policies} NetworkPolicies${cluster.calicoPolicies > 0 ? `, ${cluster.calicoPolicies} Calico policies` : ''}`);
  out.push('');
  out.push(
    summary.clean
      ? paint('green', 'clean: no findings')
      : `${paint('bold', `${summary.findings} finding${summary.findings === 1 ? '' : 's'}`)}: ${summary.bySeverity.high} high, ${summary.bySeverity.medium} medium, ${summary.bySeverity.low} low`,
  );
  out.push(
    `unprotected pods ${summary.unprotectedPods} (sensitive ${summary.sensitiveUnprotectedPods}), pods without DNS ${summary.podsWithoutDns}, separated environments joined ${summary.separatedEnvironmentsOpen}`,
  );

  out.push('', paint('bold', `Environments (${report.matrix.environmentLabel}): who may reach whom across namespaces`));
  const envs = report.matrix.environments;
  const cellOf = (from: string | null, to: string | null): EnvironmentCell | undefined => report.matrix.environmentCells.find((c) => c.from === from && c.to === to);
  const envName = (e: string | null): string => e ?? '(no label)';
  out.push(
    ...table(
      ['from \\ to', ...envs.map(envName)],
      envs.map((from) => [
        envName(from),
        ...envs.map((to) => {
          const cell = cellOf(from, to);
          if (cell === undefined || !cell.open) return '-';
          return cell.separated ? paint('high', 'OPEN') : 'open';
        }),
      ]),
    ),
  );
  for (const cell of report.matrix.environmentCells.filter((c) => c.separated && c.open)) {
    out.push(`  ${paint('high', `${envName(cell.from)} → ${envName(cell.to)}`)}: ${cell.namespacePairs} namespace pair${cell.namespacePairs === 1 ? '' : 's'} on ${cell.ports}`);
    if (cell.example !== null) out.push(`    e.g. ${cell.example.from} → ${cell.example.to}: egress: ${cell.example.egress}; ingress: ${cell.example.ingress}`);
  }

  if (report.findings.length > 0) {
    out.push('', paint('bold', 'Findings'));
    for (const f of report.findings) out.push(`  ${paint(f.severity, f.severity.toUpperCase().padEnd(6))} ${f.check.padEnd(21)} ${f.message}`);
  }

  out.push('', paint('bold', 'Namespaces'));
  out.push(
    ...table(
      ['namespace', 'env', 'isolation', 'pods', 'ingress-isolated', 'egress-isolated', 'no DNS', 'generated', 'findings'],
      report.namespaces.map((n) => [
        n.name,
        n.environment ?? '-',
        n.exempt ? 'exempt' : (n.isolation ?? 'unstamped'),
        String(n.pods),
        String(n.ingressIsolatedPods),
        String(n.egressIsolatedPods),
        String(n.podsWithoutDns),
        n.generated.expected.length === 0 ? '-' : n.generated.missing.length + n.generated.drifted.length === 0 ? 'ok' : `${n.generated.missing.length} missing, ${n.generated.drifted.length} drifted`,
        String(n.findings),
      ]),
    ),
  );

  const { webhook } = report;
  out.push('', paint('bold', 'Webhook'));
  out.push(
    webhook.reachable === null
      ? `  not judged: no apiserver address or konnectivity agent is known`
      : `  the apiserver ${webhook.reachable ? 'reaches' : paint('high', 'cannot reach')} the webhook pods in ${webhook.namespace} on TCP ${webhook.port} (${webhook.pods} pod${webhook.pods === 1 ? '' : 's'})`,
  );

  if (report.calico !== null) {
    const c = report.calico;
    out.push('', paint('bold', 'Calico'));
    out.push(`  ${c.policies} NetworkPolicies, ${c.globalPolicies} GlobalNetworkPolicies, ${c.staged.length} staged; tiers: ${c.tiers.map((t) => `${t.name} (order ${t.order ?? 'none'}, ${t.policies} policies, default ${t.defaultAction})`).join(', ')}`);
  }

  if (report.flows !== null) {
    const f = report.flows;
    out.push('', paint('bold', `Observed flows (${f.format})`));
    out.push(`  ${f.records} records, ${f.flows} distinct flows, ${f.denied.length} denied by the policies, ${f.deniedByChange === null ? 'no change given' : `${f.deniedByChange.length} denied by the change`}, ${f.unknown.length} unknown endpoints, ${f.unusedRules.length} rules unused`);
    for (const u of f.unknown) out.push(`  line ${u.line}: ${u.endpoint}: ${u.reason}`);
    if (f.unusedRules.length > 0) out.push(`  rules no observed flow used (candidates for tightening):`, ...f.unusedRules.map((r) => `    ${r.rule}`));
  }

  for (const note of report.notes) out.push('', `note: ${note}`);
  return out.join('\n');
}

/** Columns padded to their widest cell as printed (terminal-text.ts): colour codes take no width, escaped controls theirs. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const visible = printedWidth;
  const widths = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: readonly string[]): string => `  ${cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - visible(c))).join('  ')}`.trimEnd();
  return [line(head), ...rows.map(line)];
}
