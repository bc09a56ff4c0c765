import t from 'tap';
import { Visibility } from '../../src/cluster/visibility.ts';

t.test('a read that saw everything has nothing to say', async (t) => {
  const v = new Visibility();
  t.same(v.notes(), []);
  t.equal(v.unread('pods', 'shop-prod'), undefined);
});

t.test('a list refused across namespaces and made in some: those are read, the others are said to be missing', async (t) => {
  const v = new Visibility();
  v.missedAcross('pods', 'forbidden', ['shop-dev'], ['shop-prod']);
  v.missedAcross('namespaces', 'forbidden', ['shop-dev']);
  v.missedAcross('services', 'forbidden', []);
  t.equal(v.unread('pods', 'shop-dev'), undefined);
  t.equal(v.unread('pods', 'shop-prod'), 'could not list pods in shop-prod: forbidden');
  t.equal(v.unread('pods', 'kube-system'), 'could not list pods in kube-system: forbidden');
  t.equal(v.unread('networkpolicies', 'kube-system'), undefined, 'another kind was read whole');
  t.same(v.notes(), [
    'could not list pods in namespaces other than shop-dev: forbidden; paths to them are judged without their pods',
    'could not list namespaces (read shop-dev by name): forbidden; the others are known by name only, without their labels (the environment among them)',
    'could not list services in any namespace: forbidden; their Services (names and ClusterIPs) are not known',
  ]);
});

t.test('a narrow read names the namespaces refused; Calico is read whole or not at all', async (t) => {
  const v = new Visibility();
  v.missedIn('networkpolicies', 'forbidden', 'shop-prod');
  v.missedIn('networkpolicies', 'forbidden', 'payments-prod');
  v.missedIn('namespaces', 'forbidden', 'shop-prod');
  v.missedIn('calico', 'forbidden', '');
  t.equal(v.unread('networkpolicies', 'shop-dev'), undefined, 'asked for and read');
  t.equal(v.unread('networkpolicies', 'shop-prod'), 'could not list networkpolicies in shop-prod: forbidden');
  t.equal(v.unread('calico', ''), "could not list Calico's policies: forbidden");
  t.equal(v.unread('namespaces', 'shop-prod'), 'could not read namespace shop-prod: forbidden');
  t.same(v.notes(), [
    'could not list networkpolicies in payments-prod, shop-prod: forbidden; paths to and from them are judged without their policies',
    'could not read namespace shop-prod: forbidden; they are known by name only, without their labels (the environment among them)',
    "could not list Calico's policies: forbidden; paths are judged by Kubernetes NetworkPolicies alone, without Calico's policies",
  ]);
});
