import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import type { ProvisioningSnapshot } from '../provisioning/snapshot.js';
import { disruptionView } from './view.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const claim = {
  metadata: {
    name: 'general-a',
    creationTimestamp: '2026-06-01T10:00:00Z',
    labels: {
      'karpenter.sh/nodepool': 'general',
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': 'us-west-2a',
      'karpenter.sh/capacity-type': 'on-demand',
    },
  },
  spec: { expireAfter: '4h' },
  status: {
    nodeName: 'ip-a',
    conditions: [{ type: 'Initialized', status: 'True', lastTransitionTime: '2026-06-01T10:01:00Z' }],
  },
};
const node = {
  metadata: { name: 'ip-a' },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};
const pod = (name: string, extra: Partial<V1Pod['metadata']> = {}, startTime = '2026-06-01T11:00:00Z'): V1Pod => ({
  metadata: { name, namespace: 'default', uid: name, labels: { app: name }, ...extra },
  spec: { nodeName: 'ip-a', containers: [] },
  status: { phase: 'Running', startTime: new Date(startTime) },
});
const snapshot = (pods: V1Pod[]): ProvisioningSnapshot => ({
  pods,
  nodes: [node] as never,
  nodeClaims: [claim],
  nodePools: [
    {
      metadata: { name: 'general' },
      spec: { template: { spec: {} }, disruption: { consolidateAfter: '30s', budgets: [{ nodes: '1' }] } },
    },
  ],
  daemonSets: [],
});
const inputs = (pods: V1Pod[], podEvents = {}, pdbs: never[] = []) => ({
  snapshot: snapshot(pods),
  pdbs,
  offeringPrice: () => 0.096,
  drift: {},
  podEvents,
  now: NOW,
});

describe('disruption view', () => {
  it('reads a node’s price, expiry, policy and pods as disruption sees them', () => {
    const daemon = pod('ds', { ownerReferences: [{ kind: 'DaemonSet', name: 'ds', apiVersion: 'apps/v1', uid: 'x' }] });
    const guarded = pod('db', { annotations: { 'karpenter.sh/do-not-disrupt': '2h' } });
    const { view } = disruptionView(inputs([daemon, guarded]));
    const [n] = view.nodes;
    expect(n).toMatchObject({
      nodeClaim: 'general-a',
      price: 0.096,
      expiresAt: '2026-06-01T14:00:00.000Z',
      ready: true,
    });
    expect(n!.pods).toEqual([
      expect.objectContaining({ key: 'default/ds', reschedulable: false }),
      expect.objectContaining({ key: 'default/db', reschedulable: true, doNotDisrupt: true }),
    ]);
    expect(view.pools[0]).toMatchObject({
      consolidateAfterMs: 30_000,
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
    });
  });

  it('remembers when a pod last came or went', () => {
    const first = disruptionView(inputs([pod('web')]));
    expect(first.view.nodes[0]!.lastPodEventAt).toBe('2026-06-01T11:00:00.000Z');
    const same = disruptionView(inputs([pod('web')], first.podEvents));
    expect(same.view.nodes[0]!.lastPodEventAt).toBe('2026-06-01T11:00:00.000Z');
    const gone = disruptionView(inputs([], first.podEvents));
    expect(gone.view.nodes[0]!.lastPodEventAt).toBe(NOW.toISOString());
  });

  it('marks pods a PodDisruptionBudget will not let go', () => {
    const pdb = (name: string, allowed: number) => ({
      metadata: { name, namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } } },
      status: { disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 },
    });
    const blocked = disruptionView(inputs([pod('web')], {}, [pdb('web', 0)] as never[]));
    expect(blocked.view.nodes[0]!.pods[0]!.blockedByBudget).toContain('allows no disruption');
    const two = disruptionView(inputs([pod('web')], {}, [pdb('a', 1), pdb('b', 1)] as never[]));
    expect(two.view.nodes[0]!.pods[0]!.blockedByBudget).toContain('several');
    const fine = disruptionView(inputs([pod('web')], {}, [pdb('web', 1)] as never[]));
    expect(fine.view.nodes[0]!.pods[0]!.blockedByBudget).toBeUndefined();
  });

  it('sets apart nodes it cannot price', () => {
    const result = disruptionView({ ...inputs([]), offeringPrice: () => undefined });
    expect(result.view.nodes).toEqual([]);
    expect(result.unpriced[0]!.why).toContain('no price known for m5.large');
  });
});
