import { describe, expect, it } from '@jest/globals';
import type { PlannedNodeClaim } from '../scheduling/types.js';
import { PLAN_ANNOTATION, TERMINATION_FINALIZER, nodeClaimManifest, nodeClaimName } from './nodeclaim-manifest.js';

const pool = {
  metadata: { name: 'default', uid: 'pool-uid' },
  spec: {
    template: {
      metadata: { labels: { team: 'web' } },
      spec: {
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
        expireAfter: '720h',
      },
    },
  },
};

const planned = {
  nodePool: 'default',
  requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] }],
  requests: { cpu: 1500, memory: 3 * 2 ** 30, pods: 3 },
} as unknown as PlannedNodeClaim;

describe('the NodeClaim a provisioning round creates', () => {
  it('carries the termination finalizer from its creation, so no instance can outlive a NodeClaim deleted before launch', () => {
    const manifest = nodeClaimManifest(planned, pool, 'default-abcde', 'provisioner/testbed/1/0');
    expect(manifest.metadata.finalizers).toEqual([TERMINATION_FINALIZER]);
    expect(TERMINATION_FINALIZER).toBe('karpenter.sh/termination');
  });

  it('has the pool’s template labels, the nodepool label, its plan reference and the pool as owner', () => {
    const manifest = nodeClaimManifest(planned, pool, 'default-abcde', 'provisioner/testbed/1/0');
    expect(manifest.metadata.labels).toEqual({ team: 'web', 'karpenter.sh/nodepool': 'default' });
    expect(manifest.metadata.annotations[PLAN_ANNOTATION]).toBe('provisioner/testbed/1/0');
    expect(manifest.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'NodePool',
      name: 'default',
      uid: 'pool-uid',
    });
    expect(manifest.spec).toMatchObject({ requirements: planned.requirements, expireAfter: '720h' });
  });

  it('is named the same for the same round and index, so a retried round never creates a second NodeClaim', () => {
    expect(nodeClaimName('default', 'provisioner/testbed', 7, 0)).toBe(
      nodeClaimName('default', 'provisioner/testbed', 7, 0)
    );
    expect(nodeClaimName('default', 'provisioner/testbed', 7, 0)).not.toBe(
      nodeClaimName('default', 'provisioner/testbed', 7, 1)
    );
    expect(nodeClaimName('default', 'provisioner/testbed', 7, 0)).toMatch(/^default-[a-z0-9]{5}$/);
  });
});
