// The ways in, rendered, each in its two steps (the workload, then once its pods are ready the webhook
// configurations): base alone, the `nsguard certs` install (after a real `nsguard certs` run, in a
// scratch copy so the repository never holds keys) and the cert-manager overlay.
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nsguard } from '../support/cli.ts';
import { MANIFESTS, render, type KubeObject } from './kustomize.ts';

export interface CertsInstall {
  /** `kubectl apply -k manifests/`. */
  readonly workload: KubeObject[];
  /** `kubectl apply -k manifests/webhooks`. */
  readonly webhooks: KubeObject[];
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

export function renderBaseWebhooks(): KubeObject[] {
  return render(join(MANIFESTS, 'base/webhooks'));
}

export function renderCertManager(): KubeObject[] {
  return render(join(MANIFESTS, 'overlays/cert-manager'));
}

export function renderCertManagerWebhooks(): KubeObject[] {
  return render(join(MANIFESTS, 'overlays/cert-manager/webhooks'));
}

/** `nsguard certs --out …/webhooks/generated`, then `kubectl kustomize` of manifests/ and manifests/webhooks. */
export function renderCertsInstall(): CertsInstall {
  const root = mkdtempSync(join(tmpdir(), 'nsguard-manifests-'));
  symlinkSync(join(MANIFESTS, 'base'), join(root, 'base'));
  mkdirSync(join(root, 'webhooks'));
  copyFileSync(join(MANIFESTS, 'kustomization.yaml'), join(root, 'kustomization.yaml'));
  copyFileSync(join(MANIFESTS, 'webhooks/kustomization.yaml'), join(root, 'webhooks/kustomization.yaml'));
  const generated = join(root, 'webhooks/generated');
  const result = nsguard('certs', '--out', generated);
  if (result.code !== 0) throw new Error(`nsguard certs failed: ${result.stderr}`);
  return { workload: render(root), webhooks: render(join(root, 'webhooks')), root, generated, caBundle: result.stdout.trim() };
}
