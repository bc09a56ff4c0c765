// Each model's validate() checks an object against the Kubernetes (or cert-manager) OpenAPI schema.
import type { Test } from 'tap';
import { ConfigMap, Secret, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { CronJob } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1';
import { Certificate, Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import { idOf, type KubeObject } from './kustomize.ts';

interface Model {
  validate(): void;
}
const MODELS: Readonly<Record<string, new (data: never) => Model>> = {
  'v1 Namespace': Namespace,
  'v1 ServiceAccount': ServiceAccount,
  'v1 Service': Service,
  'v1 Secret': Secret,
  'v1 ConfigMap': ConfigMap,
  'apps/v1 Deployment': Deployment,
  'policy/v1 PodDisruptionBudget': PodDisruptionBudget,
  'batch/v1 CronJob': CronJob,
  'networking.k8s.io/v1 NetworkPolicy': NetworkPolicy,
  'rbac.authorization.k8s.io/v1 ClusterRole': ClusterRole,
  'rbac.authorization.k8s.io/v1 ClusterRoleBinding': ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1 Role': Role,
  'rbac.authorization.k8s.io/v1 RoleBinding': RoleBinding,
  'admissionregistration.k8s.io/v1 MutatingWebhookConfiguration': MutatingWebhookConfiguration,
  'admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration': ValidatingWebhookConfiguration,
  'cert-manager.io/v1 Certificate': Certificate,
  'cert-manager.io/v1 Issuer': Issuer,
};

export function validate(t: Test, objects: readonly KubeObject[]): void {
  for (const object of objects) {
    const Model = MODELS[`${object.apiVersion} ${object.kind}`];
    if (Model === undefined) {
      t.fail(`${idOf(object)}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    t.doesNotThrow(() => new Model(object as never).validate(), `${idOf(object)} matches the ${object.apiVersion} schema`);
  }
}

