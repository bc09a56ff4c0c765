// The three ways in, rendered: base alone, the `nsguard certs` overlay (after a real `nsguard certs`
// run, in a scratch copy so the repository never holds keys) and the cert-manager overlay.
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsguard } from '../support/cli.ts';
import { MANIFESTS, render, type KubeObject } from './kustomize.ts';

export interface CertsInstall {
  readonly objects: KubeObject[];
  /** The scratch directory; the caller removes it. */
  readonly root: string;
  /** Where `nsguard certs` wrote. */
  readonly generated: string;
  /** What it printed: the caBundle. */
  readonly caBundle: string;
}

export function renderBase(): KubeObject[] {
  return render(join(MANIFESTS, 'base'));
}

export function renderCertManager(): KubeObject[] {
  return render(join(MANIFESTS, 'overlays/cert-manager'));
}

/** `nsguard certs --out …/overlays/certs/generated`, then `kubectl kustomize` of manifests/ itself. */
export function renderCertsInstall(): CertsInstall {
  const root = mkdtempSync(join(tmpdir(), 'nsguard-manifests-'));
  symlinkSync(join(MANIFESTS, 'base'), join(root, 'base'));
  mkdirSync(join(root, 'overlays/certs'), { recursive: true });
  copyFileSync(join(MANIFESTS, 'kustomization.yaml'), join(root, 'kustomization.yaml'));
  copyFileSync(join(MANIFESTS, 'overlays/certs/kustomization.yaml'), join(root, 'overlays/certs/kustomization.yaml'));
  const generated = join(root, 'overlays/certs/generated');
  const result = nsguard('certs', '--out', generated);
  if (result.code !== 0) throw new Error(`nsguard certs failed: ${result.stderr}`);
  return { objects: render(root), root, generated, caBundle: result.stdout.trim() };
}
