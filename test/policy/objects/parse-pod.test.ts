import t from 'tap';
import type { Pod } from '../../../src/policy/objects/model.ts';
import { parsePod } from '../../../src/policy/objects/parse-pod.ts';

const WHERE = 'state.yaml document 7';
const pod = (spec: unknown, status: unknown): unknown => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'prod', labels: { app: 'web' } },
  spec,
  status,
});

t.test('pods that parse', async (t) => {
  const cases: { name: string; raw: unknown; expect: Pod | undefined }[] = [
    {
      name: 'container ports are read with TCP as the default protocol',
      raw: pod(
        { containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }] }, { name: 'sidecar', ports: [{ containerPort: 9090, protocol: 'SCTP' }] }] },
        { phase: 'Running', podIP: '10.1.2.3' },
      ),
      expect: {
        namespace: 'prod',
        name: 'web-1',
        labels: { app: 'web' },
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: undefined, port: 53, protocol: 'UDP' },
          { name: undefined, port: 9090, protocol: 'SCTP' },
        ],
        ips: ['10.1.2.3'],
      },
    },
    {
      name: 'status.podIPs gives every IP of a dual-stack pod and wins over podIP',
      raw: pod({ containers: [{ name: 'app' }] }, { phase: 'Running', podIP: '10.1.2.3', podIPs: [{ ip: '10.1.2.3' }, { ip: 'fd00::3' }] }),
      expect: { namespace: 'prod', name: 'web-1', labels: { app: 'web' }, ports: [], ips: ['10.1.2.3', 'fd00::3'] },
    },
    {
      name: 'a pending pod without an IP has no IPs',
      raw: pod({ containers: [{ name: 'app' }] }, { phase: 'Pending' }),
      expect: { namespace: 'prod', name: 'web-1', labels: { app: 'web' }, ports: [], ips: [] },
    },
    {
      name: 'a hand-written pod without spec or status has no ports and no IPs',
      raw: { metadata: { name: 'web-1', namespace: 'prod' } },
      expect: { namespace: 'prod', name: 'web-1', labels: {}, ports: [], ips: [] },
    },
    { name: 'a Succeeded pod is skipped: it holds no IP and takes no traffic', raw: pod({ containers: [] }, { phase: 'Succeeded', podIP: '10.1.2.3' }), expect: undefined },
    { name: 'a Failed pod is skipped', raw: pod({ containers: [] }, { phase: 'Failed' }), expect: undefined },
    { name: 'a hostNetwork pod is skipped: NetworkPolicy does not apply to it', raw: pod({ hostNetwork: true, containers: [] }, { phase: 'Running', podIP: '192.168.1.5' }), expect: undefined },
  ];
  for (const c of cases) t.strictSame(parsePod(c.raw, WHERE), c.expect, c.name);
});

t.test('pods that are refused', async (t) => {
  const cases: { name: string; raw: unknown; path: string; value: string }[] = [
    { name: 'a containerPort out of range is refused', raw: pod({ containers: [{ ports: [{ containerPort: 0 }] }] }, {}), path: 'spec.containers[0].ports[0].containerPort', value: '0' },
    { name: 'a missing containerPort is refused', raw: pod({ containers: [{}, { ports: [{ name: 'http' }] }] }, {}), path: 'spec.containers[1].ports[0].containerPort', value: 'missing' },
    { name: 'an unknown container port protocol is refused', raw: pod({ containers: [{ ports: [{ containerPort: 80, protocol: 'HTTP' }] }] }, {}), path: 'spec.containers[0].ports[0].protocol', value: '"HTTP"' },
    { name: 'an upper-case port name is refused', raw: pod({ containers: [{ ports: [{ containerPort: 80, name: 'HTTP' }] }] }, {}), path: 'spec.containers[0].ports[0].name', value: '"HTTP"' },
    { name: 'a bad podIP is refused', raw: pod({}, { podIP: '10.1.2' }), path: 'status.podIP', value: '"10.1.2"' },
    { name: 'a bad podIPs entry is refused', raw: pod({}, { podIPs: [{ ip: '10.1.2.3' }, { ip: 'fd00::g' }] }), path: 'status.podIPs[1].ip', value: '"fd00::g"' },
    { name: 'a non-boolean hostNetwork is refused', raw: pod({ hostNetwork: 'yes' }, {}), path: 'spec.hostNetwork', value: '"yes"' },
    { name: 'containers that is not a list is refused', raw: pod({ containers: { name: 'app' } }, {}), path: 'spec.containers', value: '{"name":"app"}' },
    { name: 'a pod without a namespace is refused', raw: { metadata: { name: 'web-1' } }, path: 'metadata.namespace', value: 'missing' },
  ];
  for (const c of cases) {
    t.test(c.name, async (t) => {
      const error = t.throws(() => parsePod(c.raw, WHERE));
      t.match(error, { code: 'NSG_OBJECT_INVALID' });
      const message = error instanceof Error ? error.message : '';
      t.ok(message.startsWith(`${WHERE}: Pod `), `names where and the kind: ${message}`);
      t.ok(message.includes('web-1'), 'names the pod');
      t.ok(message.includes(`: ${c.path} `), `names the field ${c.path}`);
      t.ok(message.includes(c.value), `shows the value ${c.value}`);
    });
  }
});
