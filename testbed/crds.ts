import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseAllDocuments } from 'yaml';

const CRD_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'crds');

/** Server-side applies the project's generated CRDs and waits until the apiserver serves them. */
export async function installCrds(kubeConfig: KubeConfig, dir = CRD_DIR): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  const names: string[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as KubernetesObject;
      if (!crd) continue;
      await api.patch(crd, undefined, undefined, 'karpenter-temporal-testbed', true, PatchStrategy.ServerSideApply);
      names.push(crd.metadata!.name!);
    }
  }
  for (const name of names) {
    for (let i = 0; ; i++) {
      const crd = (await api.read({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name },
      })) as {
        status?: { conditions?: { type: string; status: string }[] };
      };
      if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 100) throw new Error(`CRD ${name} was not established`);
      await sleep(100);
    }
  }
  return names;
}
