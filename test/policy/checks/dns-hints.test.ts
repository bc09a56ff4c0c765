import fc from 'fast-check';
import t from 'tap';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../../src/config/load-config.ts';
import { fixManifestYaml, keepDnsFix } from '../../../src/policy/checks/dns-hints.ts';

const PREFIX = 'To keep DNS, apply this NetworkPolicy before any policy that isolates their egress: ';

t.test('the DNS fix, written around a cached rendering, is the YAML written whole, for every namespace name', async (t) => {
  // DNS-1123 labels, as namespaces are named, with the YAML words and numbers among them.
  const label = fc.oneof(fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/), fc.constantFrom('true', 'false', 'null', '123', '1e3', 'kube-system'));
  fc.assert(
    fc.property(label, (namespace) => {
      const fix = keepDnsFix(namespace, DEFAULT_CONFIG.dns);
      t.equal(fix, `${PREFIX}${fixManifestYaml(namespace, DEFAULT_CONFIG.dns)}`);
      t.equal((parse(fix.slice(PREFIX.length)) as { metadata: { namespace: unknown } }).metadata.namespace, namespace, 'reads back as a string naming the namespace');
    }),
    { numRuns: 300 },
  );
});

t.test('another DNS configuration gets its own fix', async (t) => {
  const dns = { ...DEFAULT_CONFIG.dns, namespace: 'dns-system', podLabels: { app: 'coredns' } };
  const fix = parse(keepDnsFix('shop', dns).slice(PREFIX.length)) as { spec: { egress: { to: { namespaceSelector: unknown; podSelector: unknown }[] }[] } };
  t.match(fix.spec.egress[0]?.to[0], { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns-system' } }, podSelector: { matchLabels: { app: 'coredns' } } });
  t.match(keepDnsFix('shop', DEFAULT_CONFIG.dns), /k8s-app: kube-dns/, 'and the default one is unchanged');
});
