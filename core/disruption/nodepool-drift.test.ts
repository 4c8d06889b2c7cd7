import { describe, expect, it } from '@jest/globals';
import { nodePoolDrift, type NodeClaimDriftView, type NodePoolTemplateView } from './nodepool-drift.js';

const ref = { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' };
const pool = (template: Partial<NodePoolTemplateView['spec']['template']> = {}): NodePoolTemplateView => ({
  metadata: { name: 'general' },
  spec: {
    template: {
      metadata: { labels: { team: 'a' } },
      ...template,
      spec: {
        nodeClassRef: ref,
        requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand', 'spot'] }],
        ...template.spec,
      },
    },
  },
});
const claim: NodeClaimDriftView = {
  metadata: { labels: { team: 'a', 'karpenter.sh/capacity-type': 'spot', 'karpenter.sh/nodepool': 'general' } },
  spec: { nodeClassRef: ref },
};

describe('NodePool drift', () => {
  it('finds none when the NodeClaim matches its pool', () => {
    expect(nodePoolDrift(claim, pool())).toBeUndefined();
  });

  it('sees a changed template label, taint, node class or expireAfter', () => {
    expect(nodePoolDrift(claim, pool({ metadata: { labels: { team: 'b' } } }))).toContain('label team=b');
    expect(
      nodePoolDrift(claim, pool({ spec: { nodeClassRef: ref, taints: [{ key: 'x', effect: 'NoSchedule' }] } }))
    ).toContain('taints');
    expect(nodePoolDrift(claim, pool({ spec: { nodeClassRef: { ...ref, name: 'other' } } }))).toContain('nodeClassRef');
    expect(nodePoolDrift(claim, pool({ spec: { nodeClassRef: ref, expireAfter: '24h' } }))).toContain('expireAfter');
  });

  it('sees requirements the NodeClaim no longer satisfies, and ignores keys it never pinned', () => {
    const onDemandOnly = pool({
      spec: {
        nodeClassRef: ref,
        requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }],
      },
    });
    expect(nodePoolDrift(claim, onDemandOnly)).toContain('karpenter.sh/capacity-type In on-demand');
    const unpinned = pool({
      spec: { nodeClassRef: ref, requirements: [{ key: 'example.com/rack', operator: 'In', values: ['r1'] }] },
    });
    expect(nodePoolDrift(claim, unpinned)).toBeUndefined();
  });
});
