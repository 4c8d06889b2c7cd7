import { describe, expect, it } from '@jest/globals';
import type { V1Pod } from '@kubernetes/client-node';
import { isProvisionable, schedulingView, type ProvisioningSnapshot } from './snapshot.js';
import { nodeClaimName } from './nodeclaim-manifest.js';

const unschedulable = (name: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name, namespace: 'default', uid: name },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' } } }] },
  status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
  ...extra,
});

const snapshot = (overrides: Partial<ProvisioningSnapshot>): ProvisioningSnapshot => ({
  pods: [],
  nodes: [],
  nodeClaims: [],
  nodePools: [],
  daemonSets: [],
  ...overrides,
});

describe('isProvisionable', () => {
  it('takes only pods kube-scheduler marked Unschedulable that are unbound, alive and not DaemonSet pods', () => {
    expect(isProvisionable(unschedulable('a'))).toBe(true);
    expect(isProvisionable(unschedulable('bound', { spec: { nodeName: 'n', containers: [] } }))).toBe(false);
    expect(isProvisionable({ ...unschedulable('fresh'), status: { phase: 'Pending' } })).toBe(false);
    expect(
      isProvisionable({ ...unschedulable('dying'), metadata: { name: 'dying', deletionTimestamp: new Date() } })
    ).toBe(false);
    const ds = unschedulable('ds');
    ds.metadata!.ownerReferences = [{ kind: 'DaemonSet', name: 'x', apiVersion: 'apps/v1', uid: 'u' }];
    expect(isProvisionable(ds)).toBe(false);
  });
});

describe('schedulingView', () => {
  it('keeps pods nominated to a NodeClaim that has not launched out of the solve, so no second node is bought', () => {
    const claim = { metadata: { name: 'default-abcde' }, spec: {} };
    const view = schedulingView(
      snapshot({ pods: [unschedulable('a'), unschedulable('b')], nodeClaims: [claim] }),
      { 'default/a': { nodeClaim: 'default-abcde' } },
      []
    );
    expect(view.input.pods.map((p) => p.metadata.name)).toEqual(['b']);
    expect(view.activeNominations).toEqual({ 'default/a': { nodeClaim: 'default-abcde' } });
  });

  it('drops a nomination whose NodeClaim is gone, deleting or already initialized', () => {
    const initialized = {
      metadata: { name: 'ready' },
      spec: {},
      status: { conditions: [{ type: 'Initialized', status: 'True' }] },
    };
    const deleting = { metadata: { name: 'deleting', deletionTimestamp: '2026-11-27T00:00:00Z' }, spec: {} };
    const view = schedulingView(
      snapshot({
        pods: [unschedulable('a'), unschedulable('b'), unschedulable('c')],
        nodeClaims: [initialized, deleting],
      }),
      {
        'default/a': { nodeClaim: 'gone' },
        'default/b': { nodeClaim: 'deleting' },
        'default/c': { nodeClaim: 'ready' },
      },
      []
    );
    expect(view.activeNominations).toEqual({});
    expect(view.input.pods).toHaveLength(3);
  });

  it('offers a launched, unregistered NodeClaim as a not-yet-initialized node holding its nominated pods', () => {
    const launched = {
      metadata: { name: 'default-fghij', labels: { 'karpenter.sh/nodepool': 'default' } },
      spec: { startupTaints: [{ key: 'cni', effect: 'NoSchedule' }] },
      status: { allocatable: { cpu: '3920m', memory: '14Gi', pods: '58' } },
    };
    const view = schedulingView(
      snapshot({ pods: [unschedulable('a')], nodeClaims: [launched] }),
      { 'default/a': { nodeClaim: 'default-fghij' } },
      []
    );
    expect(view.input.existingNodes).toEqual([
      expect.objectContaining({
        name: 'nodeclaim/default-fghij',
        initialized: false,
        startupTaints: [{ key: 'cni', effect: 'NoSchedule' }],
        pods: [expect.objectContaining({ metadata: expect.objectContaining({ name: 'a' }) })],
      }),
    ]);
  });

  it('ignores boot-time taints of a registered node that is still initializing, but not of a Ready one', () => {
    const node = (name: string) => ({
      metadata: { name, labels: {} },
      spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] },
      status: { allocatable: { cpu: '2' } },
    });
    const booting = { metadata: { name: 'c1' }, spec: {}, status: { nodeName: 'booting' } };
    const view = schedulingView(snapshot({ nodes: [node('booting'), node('plain')], nodeClaims: [booting] }), {}, []);
    const byName = Object.fromEntries(view.input.existingNodes!.map((n) => [n.name, n]));
    expect(byName.booting).toMatchObject({ initialized: false, taints: [] });
    expect(byName.plain).toMatchObject({
      initialized: true,
      taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }],
    });
  });
});

describe('nodeClaimName', () => {
  it('names the same claim of the same round identically, and different rounds or indexes differently', () => {
    const name = nodeClaimName('default', 'run-1', 3, 0);
    expect(name).toMatch(/^default-[a-z0-9]{5}$/);
    expect(nodeClaimName('default', 'run-1', 3, 0)).toBe(name);
    const others = new Set([
      nodeClaimName('default', 'run-1', 3, 1),
      nodeClaimName('default', 'run-1', 4, 0),
      nodeClaimName('default', 'run-2', 3, 0),
    ]);
    expect(others.has(name)).toBe(false);
    expect(others.size).toBe(3);
  });
});
