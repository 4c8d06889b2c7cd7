/**
 * Every Kubernetes API call the worker makes, as (group, resource, verb), with the call that needs it. The chart's
 * ClusterRole must grant exactly these (test/unit/deploy/chart.test.ts) and the API server must allow them to the
 * chart's ServiceAccount (test/integration/deploy-rbac.test.ts). Add a row with the call when the code adds one.
 */
export interface Permission {
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
  /** The code that makes the call. */
  by: string;
  /** Needed only with this cloud provider (`settings.cloudProvider`); the chart grants it only then. */
  provider?: 'kwok';
}

const nodeclaims = (verb: string, by: string, subresource?: string): Permission => ({
  group: 'karpenter.sh',
  resource: 'nodeclaims',
  verb,
  by,
  ...(subresource ? { subresource } : {}),
});
const core = (resource: string, verb: string, by: string, subresource?: string): Permission => ({
  group: '',
  resource,
  verb,
  by,
  ...(subresource ? { subresource } : {}),
});

export const WORKER_PERMISSIONS: Permission[] = [
  nodeclaims('get', 'adapters/kubernetes/lifecycle.ts getNodeClaim; provisioning.ts createNodeClaim on 409'),
  nodeclaims('list', 'nodeclaim-watcher.ts informer; cluster-snapshot.ts'),
  nodeclaims('watch', 'nodeclaim-watcher.ts informer'),
  nodeclaims('create', 'adapters/kubernetes/provisioning.ts createNodeClaim'),
  nodeclaims('patch', 'lifecycle.ts finalizers and patchNodeClaimMetadata'),
  nodeclaims('delete', 'lifecycle.ts deleteNodeClaim'),
  nodeclaims('patch', 'lifecycle.ts writeNodeClaimStatus', 'status'),
  {
    group: 'karpenter.sh',
    resource: 'nodepools',
    verb: 'list',
    by: 'cluster-snapshot.ts; disruption.ts listNodePools; workers/main.ts warmCatalogue',
  },
  { group: 'karpenter.k8s.aws', resource: 'ec2nodeclasses', verb: 'get', by: 'adapters/aws/nodeclass-store.ts get' },
  {
    group: 'karpenter.k8s.aws',
    resource: 'ec2nodeclasses',
    verb: 'list',
    by: 'workers/nodeclass-controller.ts informer',
  },
  {
    group: 'karpenter.k8s.aws',
    resource: 'ec2nodeclasses',
    verb: 'watch',
    by: 'workers/nodeclass-controller.ts informer',
  },
  {
    group: 'karpenter.k8s.aws',
    resource: 'ec2nodeclasses',
    verb: 'patch',
    by: 'nodeclass-store.ts writeNodeClassAnnotations',
  },
  {
    group: 'karpenter.k8s.aws',
    resource: 'ec2nodeclasses',
    subresource: 'status',
    verb: 'patch',
    by: 'nodeclass-store.ts writeNodeClassStatus',
  },
  core('nodes', 'get', 'lifecycle.ts getNode, syncNode, taints, finalizer'),
  core('nodes', 'list', 'nodeclaim-watcher.ts informer; lifecycle.ts findNodeByProviderID; cluster-snapshot.ts'),
  core('nodes', 'watch', 'nodeclaim-watcher.ts informer'),
  core('nodes', 'patch', 'lifecycle.ts syncNode, patchNodeLabels, taints, removeNodeFinalizer'),
  core('nodes', 'delete', 'lifecycle.ts deleteNode'),
  core('pods', 'list', 'pod-watcher.ts informer; lifecycle.ts listPodsOnNode; cluster-snapshot.ts'),
  core('pods', 'watch', 'pod-watcher.ts informer'),
  core('pods', 'delete', 'lifecycle.ts deletePod'),
  core('pods', 'create', 'lifecycle.ts evictPod', 'eviction'),
  core('events', 'create', 'adapters/kubernetes/events.ts recordKubernetesEvent (pods, Nodes, NodeClaims)'),
  core('persistentvolumeclaims', 'list', 'cluster-snapshot.ts'),
  core('persistentvolumes', 'list', 'cluster-snapshot.ts'),
  { group: 'apps', resource: 'daemonsets', verb: 'list', by: 'cluster-snapshot.ts' },
  {
    group: 'policy',
    resource: 'poddisruptionbudgets',
    verb: 'list',
    by: 'adapters/kubernetes/disruption.ts listPodDisruptionBudgets',
  },
  { group: 'storage.k8s.io', resource: 'storageclasses', verb: 'list', by: 'cluster-snapshot.ts' },
  { group: 'storage.k8s.io', resource: 'volumeattachments', verb: 'list', by: 'lifecycle.ts volumeAttachmentsOnNode' },
  // The kwok provider's "instances" are Nodes it creates; its node class is a KWOKNodeClass.
  { ...core('nodes', 'create', 'adapters/kwok/nodes.ts create'), provider: 'kwok' },
  {
    group: 'karpenter.kwok.sh',
    resource: 'kwoknodeclasses',
    verb: 'get',
    by: 'adapters/kwok/nodes.ts kubernetesKwokNodeClasses',
    provider: 'kwok',
  },
];

/** What the chart grants for one cloud provider: every common permission and that provider's own. */
export function permissionsFor(provider: 'aws' | 'kwok'): Permission[] {
  return WORKER_PERMISSIONS.filter((p) => p.provider === undefined || p.provider === provider);
}

/** Calls outside the worker's needs (with the default aws provider) that the API server must refuse to its ServiceAccount. */
export const REFUSED: Omit<Permission, 'by'>[] = [
  { group: '', resource: 'secrets', verb: 'get' },
  { group: '', resource: 'secrets', verb: 'list' },
  { group: '', resource: 'secrets', verb: 'delete' },
  { group: 'apps', resource: 'deployments', verb: 'create' },
  { group: '', resource: 'pods', verb: 'create' },
  { group: '', resource: 'pods', verb: 'patch' },
  { group: '', resource: 'nodes', verb: 'create' },
  { group: '', resource: 'nodes', verb: 'update' },
  { group: 'karpenter.sh', resource: 'nodepools', verb: 'delete' },
  { group: 'karpenter.k8s.aws', resource: 'ec2nodeclasses', verb: 'delete' },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'escalate' },
  { group: '', resource: 'serviceaccounts', subresource: 'token', verb: 'create' },
];

export const permissionKey = (p: Omit<Permission, 'by'>): string =>
  `${p.verb} ${p.group || 'core'}/${p.resource}${p.subresource ? `/${p.subresource}` : ''}`;
