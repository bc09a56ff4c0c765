// Findings and the objects they name, shared by every section of the audit.
import type { Endpoint } from '../policy/netpol/endpoint.ts';
import type { PortSet } from '../policy/netpol/port-set.ts';
import { describePorts, isEmpty } from '../policy/netpol/port-set.ts';
import type { AuditFinding, CheckId, ObjectRef, Severity } from './report.ts';
import { CHECKS, SEVERITIES } from './report.ts';

export function namespaceRef(name: string): ObjectRef {
  return { apiVersion: 'v1', kind: 'Namespace', name };
}

export function policyRef(namespace: string, name: string): ObjectRef {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', namespace, name };
}

/** The pods a group names (all of them with every name kept), or its namespace for a pod that could exist. */
export function podRefs(endpoints: readonly Endpoint[]): ObjectRef[] {
  return endpoints.flatMap((e) => {
    if (e.kind !== 'pod') return [];
    if (e.group.witness === true) return [namespaceRef(e.group.namespace)];
    return e.group.names.map((name) => ({ apiVersion: 'v1', kind: 'Pod', namespace: e.group.namespace, name }));
  });
}

/** `TCP 1-65535, UDP 53`, or `none`. */
export function portsText(ports: PortSet): string {
  return isEmpty(ports) ? 'none' : describePorts(ports);
}

export function finding(check: CheckId, severity: Severity, namespace: string | null, subject: string, message: string, resources: readonly ObjectRef[]): AuditFinding {
  return { check, severity, namespace, subject, message, resources };
}

/** Most severe first, then by check, namespace and subject: the same order on every run. */
export function sortFindings(findings: readonly AuditFinding[]): AuditFinding[] {
  const text = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  return findings.toSorted(
    (a, b) =>
      SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
      CHECKS.indexOf(a.check) - CHECKS.indexOf(b.check) ||
      text(a.namespace ?? '', b.namespace ?? '') ||
      text(a.subject, b.subject),
  );
}
