import { describe, expect, it } from '@jest/globals';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import fc from 'fast-check';

import { catalogueOfferingPrice } from '../cloudprovider/instancetype.js';
import type { ProvisioningSnapshot } from '../provisioning/snapshot.js';
import { standardTypes } from '../scheduling/fixtures.js';
import { DEFAULT_DECIDE_OPTIONS, decide } from './methods.js';
import { cataloguePrices, fullRebuildSimulation, schedulingSimulation } from './simulation.js';
import { disruptionView } from './view.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const catalogue = standardTypes();
const types = new Map(catalogue.map((t) => [t.name, t]));
const SIZE: Record<string, { cpu: string; memory: string }> = {
  small: { cpu: '2', memory: '4Gi' },
  medium: { cpu: '4', memory: '8Gi' },
  large: { cpu: '8', memory: '16Gi' },
};

const podArbitrary = fc.record({
  // 10 cpu fits no instance type: such a pod, once moved, has nowhere to go.
  cpu: fc.constantFrom('100m', '250m', '500m', '1', '1500m', '100m', '250m', '500m', '1', '10'),
  memory: fc.constantFrom('128Mi', '512Mi', '1Gi', '2Gi'),
  app: fc.constantFrom('a', 'b', 'c'),
  constraint: fc.constantFrom('none', 'none', 'zone-spread', 'host-spread', 'host-anti-affinity'),
  kind: fc.constantFrom('app', 'app', 'app', 'app', 'daemon', 'terminal', 'deleting'),
});
const nodeArbitrary = fc.record({
  type: fc.constantFrom('small', 'medium', 'large'),
  zone: fc.nat(2),
  // Mostly initialized; an uninitialized node is not a candidate but still takes pods.
  initialized: fc.nat(4).map((n) => n > 0),
  pods: fc.array(podArbitrary, { maxLength: 6 }),
});
const clusterArbitrary = fc.record({
  nodes: fc.array(nodeArbitrary, { minLength: 1, maxLength: 8 }),
  pending: fc.array(podArbitrary, { maxLength: 3 }),
  inFlight: fc.nat(1),
  withDaemonSet: fc.boolean(),
});

type PodSpec = Parameters<Parameters<typeof podArbitrary.map>[0]>[0];

function makePod(name: string, p: PodSpec, nodeName?: string): V1Pod {
  const constraint = {
    none: {},
    'zone-spread': {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: p.app } },
        },
      ],
    },
    'host-spread': {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'kubernetes.io/hostname',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: { app: p.app } },
        },
      ],
    },
    'host-anti-affinity': {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: { app: p.app } }, topologyKey: 'kubernetes.io/hostname' },
          ],
        },
      },
    },
  }[p.constraint];
  return {
    metadata: {
      name,
      namespace: 'default',
      uid: name,
      labels: { app: p.app },
      ...(p.kind === 'daemon'
        ? { ownerReferences: [{ kind: 'DaemonSet', name: 'ds', apiVersion: 'apps/v1', uid: 'd' }] }
        : {}),
      ...(p.kind === 'deleting' ? { deletionTimestamp: NOW } : {}),
    },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'c', resources: { requests: { cpu: p.cpu, memory: p.memory } } }],
      ...constraint,
    },
    status: nodeName
      ? { phase: p.kind === 'terminal' ? 'Succeeded' : 'Running', startTime: new Date('2026-06-01T01:00:00Z') }
      : { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
  } as V1Pod;
}

function snapshotOf(cluster: Parameters<Parameters<typeof clusterArbitrary.map>[0]>[0]): ProvisioningSnapshot {
  const snapshot: ProvisioningSnapshot = {
    pods: [],
    nodes: [],
    nodeClaims: [],
    nodePools: [{ metadata: { name: 'general' }, spec: { template: { spec: { requirements: [] } } } }],
    daemonSets: cluster.withDaemonSet
      ? ([
          {
            metadata: { name: 'ds', namespace: 'kube-system' },
            spec: {
              template: {
                metadata: { labels: { app: 'ds' } },
                spec: { containers: [{ name: 'd', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] },
              },
            },
          },
        ] as unknown as ProvisioningSnapshot['daemonSets'])
      : [],
  };
  cluster.nodes.forEach((n, i) => {
    const name = `node-${i}`;
    const zone = ZONES[n.zone]!;
    const labels = {
      'karpenter.sh/nodepool': 'general',
      'node.kubernetes.io/instance-type': n.type,
      'topology.kubernetes.io/zone': zone,
      'karpenter.sh/capacity-type': 'on-demand',
      'kubernetes.io/arch': 'amd64',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': name,
    };
    snapshot.nodes.push({
      metadata: { name, labels },
      status: { allocatable: { ...SIZE[n.type]!, pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] },
    } as V1Node);
    snapshot.nodeClaims.push({
      metadata: { name: `claim-${i}`, labels, creationTimestamp: '2026-06-01T00:00:00Z' },
      spec: {},
      status: {
        nodeName: name,
        conditions: n.initialized
          ? [{ type: 'Initialized', status: 'True', lastTransitionTime: '2026-06-01T00:10:00Z' }]
          : [],
      },
    });
    n.pods.forEach((p, j) => snapshot.pods.push(makePod(`pod-${i}-${j}`, p, name)));
  });
  cluster.pending.forEach((p, j) => snapshot.pods.push(makePod(`pending-${j}`, { ...p, kind: 'app' })));
  for (let i = 0; i < cluster.inFlight; i++) {
    snapshot.nodeClaims.push({
      metadata: { name: `inflight-${i}`, labels: { 'karpenter.sh/nodepool': 'general' } },
      spec: {},
      status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' } },
    });
  }
  return snapshot;
}

const viewOf = (snapshot: ProvisioningSnapshot) =>
  disruptionView({
    snapshot,
    pdbs: [],
    offeringPrice: catalogueOfferingPrice(types),
    drift: {},
    podEvents: {},
    now: NOW,
  }).view;

describe('incremental scheduling simulation', () => {
  it('should answer every simulation of a pass exactly as a full rebuild of the cluster does', () => {
    let withNewClaims = 0;
    let withUnschedulable = 0;
    fc.assert(
      fc.property(
        clusterArbitrary,
        fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: 1, maxLength: 6 }),
        (cluster, picks) => {
          const snapshot = snapshotOf(cluster);
          const view = viewOf(snapshot);
          // One closure per side for the whole sequence, as a pass uses it: memos carry from one simulation to the next.
          const incremental = schedulingSimulation(snapshot, catalogue);
          const full = fullRebuildSimulation(snapshot, catalogue);
          for (const pick of picks) {
            const candidates = [...new Set(pick.map((i) => i % view.nodes.length))].map((i) => view.nodes[i]!);
            const result = incremental(candidates);
            expect(result).toEqual(full(candidates));
            if (result.newNodeClaims.length > 0) withNewClaims++;
            if (result.unschedulable.length > 0) withUnschedulable++;
          }
        }
      ),
      { numRuns: 150 }
    );
    // Not vacuous: some simulations needed new capacity and some left pods with nowhere to go.
    expect(withNewClaims).toBeGreaterThan(10);
    expect(withUnschedulable).toBeGreaterThan(0);
  });

  it('should make the same disruption decision as a full rebuild per simulation', () => {
    let consolidations = 0;
    fc.assert(
      fc.property(clusterArbitrary, (cluster) => {
        const snapshot = snapshotOf(cluster);
        const view = viewOf(snapshot);
        const prices = cataloguePrices(types);
        const decision = decide(view, NOW, schedulingSimulation(snapshot, catalogue), prices, DEFAULT_DECIDE_OPTIONS);
        expect(decision).toEqual(
          decide(view, NOW, fullRebuildSimulation(snapshot, catalogue), prices, DEFAULT_DECIDE_OPTIONS)
        );
        if (decision.command !== undefined && decision.command.method !== 'emptiness') consolidations++;
      }),
      { numRuns: 150 }
    );
    expect(consolidations).toBeGreaterThan(5);
  });
});
