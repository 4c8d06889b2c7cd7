/**
 * Kubernetes YAML → the solver's snapshot: workloads expanded to the pods their controllers would create,
 * DaemonSets as per-node overhead, Nodes with the pods bound to them, NodePools, EC2NodeClasses and volumes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';

import { parseAllDocuments } from 'yaml';

import type {
  ExistingNode,
  Namespace,
  NodePool,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from '../core/scheduling/types.js';

export interface ManifestSet {
  pendingPods: Pod[];
  daemonSets: Pod[];
  nodes: ExistingNode[];
  nodePools: NodePool[];
  nodeClasses: { name: string; spec: Record<string, unknown> }[];
  persistentVolumeClaims: PersistentVolumeClaim[];
  persistentVolumes: PersistentVolume[];
  storageClasses: StorageClass[];
  namespaces: Namespace[];
  warnings: string[];
}

type Doc = Record<string, unknown> & {
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** Every `.yaml`/`.yml`/`.json` file under the given files and folders, in a stable order. */
export function manifestFiles(paths: readonly string[], explicit = true): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (statSync(path).isDirectory()) {
      const entries = readdirSync(path).sort();
      files.push(
        ...manifestFiles(
          entries.map((entry) => join(path, entry)),
          false
        )
      );
    } else if (explicit || ['.yaml', '.yml', '.json'].includes(extname(path))) {
      files.push(path);
    }
  }
  return files;
}

function documentsOf(file: string): Doc[] {
  const docs: Doc[] = [];
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message ?? 'invalid YAML'}`);
    const value: unknown = document.toJS();
    if (value === null || typeof value !== 'object') continue;
    const doc = value as Doc;
    if (doc.kind === 'List' && Array.isArray(doc['items'])) docs.push(...(doc['items'] as Doc[]));
    else docs.push(doc);
  }
  return docs;
}

function podFromTemplate(owner: Doc, kind: string, name: string, template: Doc | undefined): Pod {
  const namespace = owner.metadata?.namespace ?? 'default';
  return {
    metadata: {
      ...(template?.metadata ?? {}),
      name,
      namespace,
      ownerReferences: [{ kind, name: owner.metadata?.name ?? '' }],
    },
    spec: (template?.spec ?? { containers: [] }) as Pod['spec'],
  };
}

function replicas(doc: Doc, field: string, fallback: number): number {
  const value = doc.spec?.[field];
  return typeof value === 'number' ? value : fallback;
}

export function loadManifests(paths: readonly string[]): ManifestSet {
  const set: ManifestSet = {
    pendingPods: [],
    daemonSets: [],
    nodes: [],
    nodePools: [],
    nodeClasses: [],
    persistentVolumeClaims: [],
    persistentVolumes: [],
    storageClasses: [],
    namespaces: [],
    warnings: [],
  };
  const boundPods: Pod[] = [];
  const nodeDocs: Doc[] = [];
  for (const file of manifestFiles(paths)) {
    for (const doc of documentsOf(file)) {
      const name = doc.metadata?.name ?? '';
      const template = doc.spec?.['template'] as Doc | undefined;
      switch (doc.kind) {
        case 'Pod': {
          const pod = doc as unknown as Pod;
          pod.metadata.namespace ??= 'default';
          if (pod.spec.nodeName) boundPods.push(pod);
          else set.pendingPods.push(pod);
          break;
        }
        case 'Deployment':
        case 'ReplicaSet': {
          for (let i = 0; i < replicas(doc, 'replicas', 1); i++) {
            set.pendingPods.push(podFromTemplate(doc, doc.kind, `${name}-${i}`, template));
          }
          break;
        }
        case 'StatefulSet': {
          const claimTemplates = (doc.spec?.['volumeClaimTemplates'] ?? []) as Doc[];
          for (let i = 0; i < replicas(doc, 'replicas', 1); i++) {
            const pod = podFromTemplate(doc, 'StatefulSet', `${name}-${i}`, template);
            const volumes = [...(pod.spec.volumes ?? [])];
            for (const claim of claimTemplates) {
              const claimName = `${claim.metadata?.name ?? 'data'}-${name}-${i}`;
              set.persistentVolumeClaims.push({
                metadata: { name: claimName, namespace: pod.metadata.namespace ?? 'default' },
                spec: (claim.spec ?? {}) as PersistentVolumeClaim['spec'],
              });
              volumes.push({ name: claim.metadata?.name ?? 'data', persistentVolumeClaim: { claimName } });
            }
            set.pendingPods.push({ ...pod, spec: { ...pod.spec, volumes } });
          }
          break;
        }
        case 'Job': {
          const count = Math.min(replicas(doc, 'parallelism', 1), replicas(doc, 'completions', Infinity));
          for (let i = 0; i < count; i++) set.pendingPods.push(podFromTemplate(doc, 'Job', `${name}-${i}`, template));
          break;
        }
        case 'CronJob':
          set.warnings.push(`CronJob ${name}: skipped, it has no pods until it fires`);
          break;
        case 'DaemonSet':
          set.daemonSets.push(podFromTemplate(doc, 'DaemonSet', name, template));
          break;
        case 'Node':
          nodeDocs.push(doc);
          break;
        case 'NodePool':
          set.nodePools.push(doc as unknown as NodePool);
          break;
        case 'EC2NodeClass': {
          // Like `kubectl apply` of the files in order: a later EC2NodeClass of the same name replaces the earlier.
          const index = set.nodeClasses.findIndex((c) => c.name === name);
          const nodeClass = { name, spec: (doc.spec ?? {}) as Record<string, unknown> };
          if (index < 0) set.nodeClasses.push(nodeClass);
          else {
            set.nodeClasses[index] = nodeClass;
            set.warnings.push(`${file}: EC2NodeClass ${name} replaces the one of the same name read before`);
          }
          break;
        }
        case 'PersistentVolumeClaim':
          set.persistentVolumeClaims.push(doc as unknown as PersistentVolumeClaim);
          break;
        case 'PersistentVolume':
          set.persistentVolumes.push(doc as unknown as PersistentVolume);
          break;
        case 'Namespace':
          set.namespaces.push({ metadata: { name, labels: doc.metadata?.labels ?? {} } });
          break;
        case 'StorageClass':
          set.storageClasses.push(doc as unknown as StorageClass);
          break;
        default:
          set.warnings.push(`${file}: ${doc.kind ?? 'object without kind'} ${name}: ignored`);
      }
    }
  }
  for (const doc of nodeDocs) {
    const name = doc.metadata?.name ?? '';
    const status = doc.status ?? {};
    const allocatable = (status['allocatable'] ?? status['capacity'] ?? {}) as Record<string, string>;
    set.nodes.push({
      name,
      labels: doc.metadata?.labels ?? {},
      taints: (doc.spec?.['taints'] ?? []) as ExistingNode['taints'],
      allocatable,
      capacity: (status['capacity'] ?? allocatable) as Record<string, string>,
      initialized: doc.metadata?.labels?.['karpenter.sh/initialized'] !== 'false',
      pods: boundPods.filter((pod) => pod.spec.nodeName === name),
    });
  }
  for (const pod of boundPods) {
    if (!set.nodes.some((node) => node.name === pod.spec.nodeName)) {
      set.warnings.push(`Pod ${pod.metadata.name} is bound to unknown node ${pod.spec.nodeName ?? ''}; ignored`);
    }
  }
  return set;
}
