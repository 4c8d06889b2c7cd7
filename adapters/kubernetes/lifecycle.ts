import {
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  StorageV1Api,
  setHeaderOptions,
  type KubeConfig,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import type {
  EvictionResult,
  LifecycleKubernetes,
  NodeClaimSnapshot,
  NodeSync,
} from '../../activities/nodeclaim/ports.js';
import type { DrainPod } from '../../core/lifecycle/drain.js';
import type { NodeObservation } from '../../core/lifecycle/node-observation.js';

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const DISRUPTED_TAINT = 'karpenter.sh/disrupted';

type Taint = { key: string; value?: string; effect: string };

function statusCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

async function ignoreNotFound<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

export function observeNode(node: V1Node): NodeObservation {
  const allocatable = node.status?.allocatable ?? {};
  return {
    name: node.metadata!.name!,
    providerID: node.spec?.providerID ?? '',
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    deleting: Boolean(node.metadata?.deletionTimestamp),
    taints: (node.spec?.taints ?? []).map((t) => ({
      key: t.key,
      effect: t.effect,
      ...(t.value ? { value: t.value } : {}),
    })),
    allocatableResources: Object.entries(allocatable)
      .filter(([, q]) => q !== '0' && q !== '')
      .map(([name]) => name),
    ...(node.metadata?.annotations?.['karpenter.sh/do-not-disrupt'] !== undefined
      ? { doNotDisrupt: node.metadata.annotations['karpenter.sh/do-not-disrupt'] }
      : {}),
  };
}

function toDrainPod(pod: V1Pod): DrainPod {
  const tolerations = pod.spec?.tolerations ?? [];
  const toleratesDisruption = tolerations.some(
    (t) =>
      (t.operator === 'Exists' &&
        (t.key === undefined || t.key === DISRUPTED_TAINT) &&
        (!t.effect || t.effect === 'NoSchedule')) ||
      (t.key === DISRUPTED_TAINT && (!t.effect || t.effect === 'NoSchedule'))
  );
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  return {
    namespace: pod.metadata!.namespace!,
    name: pod.metadata!.name!,
    uid: pod.metadata!.uid!,
    phase: pod.status?.phase ?? 'Pending',
    ...(owner ? { ownerKind: owner.kind } : {}),
    ...(pod.spec?.priorityClassName ? { priorityClassName: pod.spec.priorityClassName } : {}),
    ...(pod.metadata?.deletionTimestamp
      ? { deletionTimestamp: new Date(pod.metadata.deletionTimestamp).toISOString() }
      : {}),
    ...(pod.status?.startTime ? { startTime: new Date(pod.status.startTime).toISOString() } : {}),
    ...(pod.spec?.terminationGracePeriodSeconds !== undefined
      ? { terminationGracePeriodSeconds: pod.spec.terminationGracePeriodSeconds }
      : {}),
    ...(pod.metadata?.annotations?.['karpenter.sh/do-not-disrupt'] !== undefined
      ? { doNotDisrupt: pod.metadata.annotations['karpenter.sh/do-not-disrupt'] }
      : {}),
    toleratesDisruption,
    mirror: Boolean(pod.metadata?.annotations?.['kubernetes.io/config.mirror']),
  };
}

function toSnapshot(obj: Record<string, unknown>): NodeClaimSnapshot {
  const o = obj as unknown as NodeClaimSnapshot & { metadata: { deletionTimestamp?: string | Date } };
  const meta = o.metadata;
  return {
    metadata: {
      name: meta.name,
      uid: meta.uid,
      labels: meta.labels ?? {},
      annotations: meta.annotations ?? {},
      ...(meta.deletionTimestamp ? { deletionTimestamp: String(meta.deletionTimestamp) } : {}),
      ...(meta.creationTimestamp ? { creationTimestamp: String(meta.creationTimestamp) } : {}),
    },
    spec: o.spec,
    ...(o.status ? { status: o.status } : {}),
  };
}

/** The lifecycle's Kubernetes port over @kubernetes/client-node. Every write is idempotent. */
export function kubernetesLifecycle(kubeConfig: KubeConfig): LifecycleKubernetes {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const storage = kubeConfig.makeApiClient(StorageV1Api);

  const readNodeClaim = async (name: string) =>
    (await ignoreNotFound(custom.getClusterCustomObject({ ...NODECLAIMS, name }))) as
      Record<string, unknown> | undefined;

  // Finalizer lists are patched with the resourceVersion they were read at, so concurrent writers cannot drop
  // each other's finalizers (a 409 makes the activity retry with a fresh read).
  const editNodeClaimFinalizers = async (name: string, edit: (f: string[]) => string[]) => {
    const obj = await readNodeClaim(name);
    if (!obj) return undefined;
    const meta = obj.metadata as { finalizers?: string[]; resourceVersion: string };
    const current = meta.finalizers ?? [];
    const next = edit(current);
    if (next.length === current.length && next.every((f, i) => f === current[i])) return obj;
    return (await custom.patchClusterCustomObject(
      { ...NODECLAIMS, name, body: { metadata: { finalizers: next, resourceVersion: meta.resourceVersion } } },
      mergePatch
    )) as Record<string, unknown>;
  };

  const editNode = async (name: string, edit: (node: V1Node) => Record<string, unknown> | undefined) => {
    const node = await ignoreNotFound(core.readNode({ name }));
    if (!node) return;
    const patch = edit(node);
    if (!patch) return;
    const body = {
      ...patch,
      metadata: { ...(patch.metadata as object), resourceVersion: node.metadata!.resourceVersion },
    };
    await core.patchNode({ name, body }, mergePatch);
  };

  return {
    async getNodeClaim(name) {
      const obj = await readNodeClaim(name);
      return obj ? toSnapshot(obj) : undefined;
    },
    async addNodeClaimFinalizer(name, finalizer) {
      const obj = await editNodeClaimFinalizers(name, (f) => (f.includes(finalizer) ? f : [...f, finalizer]));
      return obj ? toSnapshot(obj) : undefined;
    },
    async removeNodeClaimFinalizer(name, finalizer) {
      await editNodeClaimFinalizers(name, (f) => f.filter((x) => x !== finalizer));
    },
    async deleteNodeClaim(name) {
      await ignoreNotFound(custom.deleteClusterCustomObject({ ...NODECLAIMS, name }));
    },
    async patchNodeClaimMetadata(name, labels, annotations) {
      await custom.patchClusterCustomObject(
        { ...NODECLAIMS, name, body: { metadata: { labels, annotations } } },
        mergePatch
      );
    },
    async writeNodeClaimStatus(name, status) {
      await ignoreNotFound(
        custom.patchClusterCustomObjectStatus({ ...NODECLAIMS, name, body: { status } }, mergePatch)
      );
    },

    async findNodeByProviderID(providerID) {
      // Nodes cannot be field-selected by providerID; the list is served from the apiserver's watch cache.
      const nodes = await core.listNode();
      const matches = nodes.items.filter((n) => n.spec?.providerID === providerID);
      if (matches.length > 1)
        throw new Error(`multiple nodes found for ${providerID}: ${matches.map((n) => n.metadata?.name).join(', ')}`);
      return matches[0] ? observeNode(matches[0]) : undefined;
    },
    async getNode(name) {
      const node = await ignoreNotFound(core.readNode({ name }));
      return node ? observeNode(node) : undefined;
    },
    async syncNode(name, sync: NodeSync) {
      await editNode(name, (node) => {
        const taints: Taint[] = (node.spec?.taints ?? []).filter(
          (t) => !sync.removeTaints.some((r) => r.key === t.key && r.effect === t.effect)
        );
        for (const t of sync.taints) if (!taints.some((x) => x.key === t.key && x.effect === t.effect)) taints.push(t);
        const finalizers = node.metadata?.finalizers ?? [];
        const owners = (node.metadata?.ownerReferences ?? []).filter((o) => o.uid !== sync.owner.uid);
        return {
          metadata: {
            labels: sync.labels,
            annotations: sync.annotations,
            finalizers: finalizers.includes(sync.finalizer) ? finalizers : [...finalizers, sync.finalizer],
            ownerReferences: [...owners, { ...sync.owner, blockOwnerDeletion: true }],
          },
          spec: { taints },
        };
      });
    },
    async patchNodeLabels(name, labels) {
      await ignoreNotFound(core.patchNode({ name, body: { metadata: { labels } } }, mergePatch));
    },
    async addNodeTaint(name, taint) {
      await editNode(name, (node) => {
        const taints = (node.spec?.taints ?? []).filter((t) => t.key !== taint.key);
        return { spec: { taints: [...taints, taint] } };
      });
    },
    async removeNodeTaint(name, taint) {
      await editNode(name, (node) => {
        const taints = node.spec?.taints ?? [];
        const kept = taints.filter((t) => !(t.key === taint.key && t.effect === taint.effect));
        return kept.length === taints.length ? undefined : { spec: { taints: kept } };
      });
    },
    async deleteNode(name) {
      await ignoreNotFound(core.deleteNode({ name }));
    },
    async removeNodeFinalizer(name, finalizer) {
      await editNode(name, (node) => {
        const finalizers = node.metadata?.finalizers ?? [];
        return finalizers.includes(finalizer)
          ? { metadata: { finalizers: finalizers.filter((f) => f !== finalizer) } }
          : undefined;
      });
    },

    async listPodsOnNode(nodeName) {
      const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` });
      return pods.items.map(toDrainPod);
    },
    async evictPod(pod): Promise<EvictionResult> {
      try {
        await core.createNamespacedPodEviction({
          name: pod.name,
          namespace: pod.namespace,
          body: {
            apiVersion: 'policy/v1',
            kind: 'Eviction',
            metadata: { name: pod.name, namespace: pod.namespace },
            // The UID precondition makes sure a same-named replacement pod is never evicted by mistake.
            deleteOptions: { preconditions: { uid: pod.uid } },
          },
        });
        return 'evicted';
      } catch (err) {
        const code = statusCode(err);
        if (code === 404 || code === 409) return 'gone';
        // 429: a PodDisruptionBudget forbids it now; 500 "multiple PDBs" is also a refusal to retry later.
        if (code === 429 || (code === 500 && String((err as { body?: unknown }).body).includes('PodDisruptionBudget')))
          return 'blocked';
        throw err;
      }
    },
    async deletePod(pod, gracePeriodSeconds) {
      await ignoreNotFound(
        core.deleteNamespacedPod({
          name: pod.name,
          namespace: pod.namespace,
          gracePeriodSeconds,
          body: { preconditions: { uid: pod.uid }, gracePeriodSeconds },
        })
      );
    },
    async volumeAttachmentsOnNode(nodeName) {
      const attachments = await storage.listVolumeAttachment();
      return attachments.items.filter((a) => a.spec.nodeName === nodeName).map((a) => a.metadata!.name!);
    },
  };
}
