// The krew manifest of `kubectl nsguard` (plugins/nsguard.yaml) against the package it installs: one
// platform-independent archive of the package, whose launcher krew links as kubectl-nsguard.
import { accessSync, constants, readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string; bin: Record<string, string> };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { dev?: boolean; hasInstallScript?: boolean }> };
const manifest = parse(readFileSync(new URL('plugins/nsguard.yaml', root), 'utf8')) as {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: { version: string; shortDescription: string; platforms: { selector: unknown; uri: string; sha256: string; bin: string; files?: unknown }[] };
};

t.test('a krew Plugin named nsguard, at the version of the package', async (t) => {
  t.equal(manifest.apiVersion, 'krew.googlecontainertools.github.com/v1alpha2');
  t.equal(manifest.kind, 'Plugin');
  t.equal(manifest.metadata.name, 'nsguard', 'kubectl nsguard: krew links the bin as kubectl-nsguard');
  t.equal(manifest.spec.version, `v${pkg.version}`);
  t.ok(manifest.spec.shortDescription.length > 0);
});

t.test("every platform installs the package's own launcher from one archive of this version", async (t) => {
  t.ok(manifest.spec.platforms.length > 0);
  for (const p of manifest.spec.platforms) {
    t.equal(p.bin, pkg.bin['kubectl-nsguard']?.replace(/^\.\//, ''), 'the executable npm installs as kubectl-nsguard');
    t.doesNotThrow(() => accessSync(new URL(p.bin, root), constants.X_OK), `${p.bin} is executable`);
    t.match(readFileSync(new URL(p.bin, root), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    t.match(p.uri, new RegExp(`/nsguard-v${pkg.version.replaceAll('.', '\\.')}\\.tar\\.gz$`), 'the release archive of this version');
    t.match(p.sha256, /^[0-9a-f]{64}$/, 'a sha256 (filled in at release)');
    t.equal(p.files, undefined, 'the whole archive: package.json, bin, dist and node_modules');
  }
});

t.test('the archive can serve every platform: no production dependency builds native code', async (t) => {
  const native = Object.entries(lock.packages).filter(([name, p]) => name !== '' && p.dev !== true && p.hasInstallScript === true);
  t.same(native.map(([name]) => name), []);
});
