import type { Test } from 'tap';
import t from 'tap';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { nsguard } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'nsguard-certs-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const read = (out: string, file: string): string => readFileSync(join(out, file), 'utf8');

/** The serving certificate is signed by the CA and names each service DNS name (as the apiserver checks it). */
function verifies(t: Test, out: string, names: readonly string[]): void {
  const ca = new X509Certificate(read(out, 'ca.crt'));
  const serving = new X509Certificate(read(out, 'tls.crt'));
  t.ok(serving.verify(ca.publicKey), 'signed by ca.crt');
  t.ok(serving.checkIssued(ca), 'issued by ca.crt');
  t.ok(ca.ca, 'ca.crt is a CA');
  t.notOk(serving.ca, 'tls.crt is not a CA');
  for (const name of names) t.equal(serving.checkHost(name), name, `valid for ${name}`);
  t.equal(serving.checkHost('nsguard.other.svc'), undefined, 'not for another namespace');
  t.ok(serving.checkPrivateKey(createPrivateKey(read(out, 'tls.key'))), 'tls.key matches tls.crt');
}

const DEFAULT_NAMES = ['nsguard', 'nsguard.nsguard', 'nsguard.nsguard.svc', 'nsguard.nsguard.svc.cluster.local'];

t.test('a first run makes a CA and a serving certificate for the service names, and prints the caBundle', async (t) => {
  const out = join(dir, 'default');
  const result = nsguard('certs', '--out', out);
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout.trim(), Buffer.from(read(out, 'ca.crt')).toString('base64'), 'stdout is the caBundle: base64 of ca.crt');
  t.match(result.stderr, 'made a new CA');
  verifies(t, out, DEFAULT_NAMES);

  const secret = parse(read(out, 'tls-secret.yaml')) as { kind: string; type: string; metadata: { name: string; namespace: string }; data: Record<string, string> };
  t.match(secret, { kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'nsguard-tls', namespace: 'nsguard' } });
  t.equal(Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString(), read(out, 'tls.crt'));
  t.equal(Buffer.from(secret.data['tls.key'] ?? '', 'base64').toString(), read(out, 'tls.key'));
  t.equal(statSync(join(out, 'ca.key')).mode & 0o077, 0, 'ca.key is private to its owner');
  t.equal(statSync(join(out, 'tls.key')).mode & 0o077, 0, 'tls.key is private to its owner');

  t.test('a second run keeps the CA byte for byte and rotates the serving certificate, which still verifies', async (t) => {
    const before = { ca: read(out, 'ca.crt'), caKey: read(out, 'ca.key'), cert: read(out, 'tls.crt'), key: read(out, 'tls.key') };
    const again = nsguard('certs', '--out', out);
    t.equal(again.code, 0, again.stderr);
    t.match(again.stderr, 'kept the CA');
    t.equal(read(out, 'ca.crt'), before.ca);
    t.equal(read(out, 'ca.key'), before.caKey);
    t.equal(again.stdout, result.stdout, 'the same caBundle: nothing to re-patch');
    t.not(read(out, 'tls.crt'), before.cert, 'a new serving certificate');
    t.not(read(out, 'tls.key'), before.key, 'with a new key');
    t.not(new X509Certificate(read(out, 'tls.crt')).serialNumber, new X509Certificate(before.cert).serialNumber);
    verifies(t, out, DEFAULT_NAMES);
  });
});

t.test('--service and --namespace set the names', async (t) => {
  const out = join(dir, 'custom');
  const result = nsguard('certs', '--out', out, '--service', 'guard', '--namespace', 'security');
  t.equal(result.code, 0, result.stderr);
  verifies(t, out, ['guard', 'guard.security', 'guard.security.svc', 'guard.security.svc.cluster.local']);
  t.match(parse(read(out, 'tls-secret.yaml')), { metadata: { namespace: 'security' } });
});

t.test('bad input exits 2 with a coded message', async (t) => {
  const noOut = nsguard('certs');
  t.equal(noOut.code, 2);
  t.match(noOut.stderr, 'NSG_USAGE');
  const badName = nsguard('certs', '--out', join(dir, 'bad'), '--service', 'Not_A_Name');
  t.equal(badName.code, 2);
  t.match(badName.stderr, /NSG_USAGE: .*--service must be a DNS label/);

  const half = join(dir, 'half');
  t.equal(nsguard('certs', '--out', half).code, 0);
  rmSync(join(half, 'ca.key'));
  const halfCa = nsguard('certs', '--out', half);
  t.equal(halfCa.code, 2);
  t.match(halfCa.stderr, /NSG_CERTS: .*ca\.key is missing/);
});
