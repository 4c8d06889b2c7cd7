/** EC2 tags the provider puts on what it creates (karpenter-behaviour.md §1.3), and the keys it looks things up by. */

export const TAG = {
  nodePool: 'karpenter.sh/nodepool',
  nodeClaim: 'karpenter.sh/nodeclaim',
  nodeClass: 'karpenter.k8s.aws/ec2nodeclass',
  eksClusterName: 'eks:eks-cluster-name',
  /** On launch templates and instance profiles: which cluster's provider owns them (Karpenter `karpenter.k8s.aws/cluster`). */
  cluster: 'karpenter.k8s.aws/cluster',
  name: 'Name',
} as const;

export const clusterTagKey = (clusterName: string): string => `kubernetes.io/cluster/${clusterName}`;

export type Tags = Record<string, string>;

/** Tags for an instance and its volumes: the user's first, then Karpenter's, which may not be overridden. */
export function instanceTags(input: {
  clusterName: string;
  nodeClassName: string;
  nodeClaimName: string;
  nodePoolName?: string;
  userTags?: Tags;
}): Tags {
  return {
    ...(input.userTags ?? {}),
    [clusterTagKey(input.clusterName)]: 'owned',
    [TAG.eksClusterName]: input.clusterName,
    [TAG.nodeClass]: input.nodeClassName,
    [TAG.nodeClaim]: input.nodeClaimName,
    ...(input.nodePoolName !== undefined ? { [TAG.nodePool]: input.nodePoolName } : {}),
  };
}

export const toEc2Tags = (tags: Tags): { Key: string; Value: string }[] =>
  Object.keys(tags)
    .sort()
    .map((Key) => ({ Key, Value: tags[Key]! }));

export function fromEc2Tags(tags: readonly { Key?: string; Value?: string }[] | undefined): Tags {
  const out: Tags = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}
