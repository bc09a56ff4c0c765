import t from 'tap';
import { boundaryBetween, describeBoundary } from '../../../src/policy/checks/path-refusal.ts';
import type { Endpoint } from '../../../src/policy/netpol/endpoint.ts';
import { witnessPod } from '../../../src/policy/netpol/witness.ts';
import { configWith, storedNamespace } from '../../support/cluster.ts';

const pods = (name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Endpoint => ({ kind: 'pod', group: witnessPod(name, { app: 'x' }), namespace: storedNamespace(name, labels, annotations) });
const test = pods('shop-test', { env: 'test' });
const prod = pods('shop-prod', { env: 'prod' });
const config = configWith();

t.test('a path between environments that must stay apart crosses env-boundary, either way round', async (t) => {
  const boundary = boundaryBetween(test, prod, config);
  t.same(boundary, { rule: 'env-boundary', reason: 'shop-test is env=test and shop-prod is env=prod (test and prod must stay apart)', enforced: true });
  t.equal(describeBoundary(boundary!, false), 'opening this path would be denied by env-boundary: shop-test is env=test and shop-prod is env=prod (test and prod must stay apart)');
  t.equal(describeBoundary(boundary!, true), 'this path is open across env-boundary: shop-test is env=test and shop-prod is env=prod (test and prod must stay apart)');
  t.match(boundaryBetween(prod, test, config), { reason: 'shop-prod is env=prod and shop-test is env=test (prod and test must stay apart)' });
});

t.test('no boundary: the same environment, an unlabelled namespace, an address outside, or a pair not configured', async (t) => {
  t.equal(boundaryBetween(prod, pods('payments-prod', { env: 'prod' }), config), undefined);
  t.equal(boundaryBetween(test, pods('scratch', {}), config), undefined);
  t.equal(boundaryBetween(test, { kind: 'external', ip: '192.0.2.1' }, config), undefined);
  t.equal(boundaryBetween(test, prod, configWith({ separateEnvironments: [['dev', 'prod']] })), undefined);
});

t.test('where either namespace only warns, opening the path is reported but not denied', async (t) => {
  const lenient = pods('shop-test', { env: 'test' }, { 'nsguard.io/mode': 'warn' });
  const boundary = boundaryBetween(lenient, prod, config);
  t.equal(boundary?.enforced, false);
  t.equal(describeBoundary(boundary!, false), 'opening this path would break env-boundary, reported but not denied: shop-test is env=test and shop-prod is env=prod (test and prod must stay apart); mode warn in shop-test');
  t.equal(boundaryBetween(test, prod, configWith({ mode: 'audit' }))?.enforced, false, 'the configured mode counts too');
});
