/**
 * Kubernetes YAML → the solver's snapshot: workloads expanded to the pods their controllers would create,
 * DaemonSets as per-node overhead, Nodes with the pods bound to them, NodePools, EC2NodeClasses and volumes.
 */
import { safeParseEC2NodeClass, safeParseNodePool, type ParseResult } from '../apis/index.js';
import type {
  ExistingNode,
  Namespace,
  NodePool,
  PersistentVolume,
  PersistentVolumeClaim,
  Pod,
  StorageClass,
} from '../core/scheduling/types.js';
import { InputError } from './command.js';
import { describeDocument, type ManifestDocument, type ManifestObject } from './manifest-documents.js';
import { nodeSchema, podIssues, podSchema, podTemplateSchema, replicaCountSchema } from './pod-manifest.js';

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

type Doc = ManifestObject;

/** `file: NodePool "x": field: problem`, one line per issue of an object the API would refuse. */
function invalidObject(document: ManifestDocument, result: ParseResult<unknown>): InputError | undefined {
  if (result.success) return undefined;
  const lines = result.error.issues.map((issue) => `${describeDocument(document)}: ${issue.field}: ${issue.message}`);
  if (result.error.omitted > 0) lines.push(`${describeDocument(document)}: and ${result.error.omitted} more issues`);
  return new InputError(lines.join('\n'));
}

/**
 * The fields the solver reads (a Pod's or a Node's, or a workload's template and counts) must have their types, or the
 * error is the solver's TypeError with no file in it; throws InputError `file: Kind "name": field: problem`.
 */
function checkPodFields(document: ManifestDocument): void {
  const doc = document.object;
  const issues =
    doc.kind === 'Pod'
      ? podIssues(podSchema, doc)
      : doc.kind === 'Node'
        ? podIssues(nodeSchema, doc)
        : [
            ...podIssues(podTemplateSchema, doc.spec?.['template'], ['spec', 'template']),
            ...(['replicas', 'parallelism', 'completions'] as const).flatMap((field) =>
              podIssues(replicaCountSchema, doc.spec?.[field], ['spec', field])
            ),
          ];
  if (issues.length === 0) return;
  const shown = issues.slice(0, 20).map((issue) => `${describeDocument(document)}: ${issue.field}: ${issue.message}`);
  if (issues.length > shown.length)
    shown.push(`${describeDocument(document)}: and ${issues.length - shown.length} more issues`);
  throw new InputError(shown.join('\n'));
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

/**
 * The solver's snapshot from parsed manifests, in the order given. NodePools and EC2NodeClasses are validated as the
 * apiserver would; an invalid one is an InputError naming its file and field.
 */
export function loadManifests(documents: readonly ManifestDocument[]): ManifestSet {
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
  for (const document of documents) {
    const doc = document.object;
    const file = document.source;
    const name = doc.metadata?.name ?? '';
    const template = doc.spec?.['template'] as Doc | undefined;
    if (['Pod', 'Node', 'Deployment', 'ReplicaSet', 'StatefulSet', 'Job', 'DaemonSet'].includes(doc.kind ?? '')) {
      if (
        doc.kind !== 'Pod' &&
        doc.kind !== 'Node' &&
        doc.spec !== undefined &&
        (typeof doc.spec !== 'object' || doc.spec === null)
      ) {
        throw new InputError(`${describeDocument(document)}: spec: must be an object`);
      }
      checkPodFields(document);
    }
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
      case 'NodePool': {
        const invalid = invalidObject(document, safeParseNodePool(doc));
        if (invalid !== undefined) throw invalid;
        set.nodePools.push(doc as unknown as NodePool);
        break;
      }
      case 'EC2NodeClass': {
        const invalid = invalidObject(document, safeParseEC2NodeClass(doc));
        if (invalid !== undefined) throw invalid;
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
  // The API server's DefaultStorageClass admission gives a claim without a class the default one, as a cluster would.
  const defaultClass = set.storageClasses.find(
    (c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true'
  );
  if (defaultClass !== undefined) {
    for (const claim of set.persistentVolumeClaims) claim.spec.storageClassName ??= defaultClass.metadata.name;
  }
  return set;
}
