import { describe, expect, it } from '@jest/globals';
import { instanceType, node, nodePool, pod, pods, standardTypes } from './fixtures.js';
import { solve } from './scheduler.js';
import type { PersistentVolumeClaim, Pod, PodAffinityTerm, SchedulingInput, SchedulingPlan } from './types.js';

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';

/** The parts of a plan a scenario asserts: each NodeClaim's pool, launch and pods; placements; failures. */
function summary(plan: SchedulingPlan) {
  return {
    nodeClaims: plan.nodeClaims.map((c) => ({
      nodePool: c.nodePool,
      launch: `${c.launch.instanceType}/${c.launch.zone}/${c.launch.capacityType}`,
      pods: [...c.pods].sort(),
    })),
    existingNodes: plan.existingNodes.map((n) => ({ name: n.name, pods: [...n.pods].sort() })),
    unschedulable: plan.unschedulable.map((u) => u.pod).sort(),
  };
}

function input(partial: Partial<SchedulingInput> & Pick<SchedulingInput, 'pods'>): SchedulingInput {
  return { nodePools: [nodePool('default')], instanceTypes: standardTypes(), ...partial };
}

const zoneSpread = (maxSkew = 1, extra: object = {}): Partial<Pod['spec']> => ({
  topologySpreadConstraints: [
    {
      maxSkew,
      topologyKey: ZONE,
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { app: 'web' } },
      ...extra,
    },
  ],
});

interface Scenario {
  name: string;
  input: SchedulingInput;
  expected: ReturnType<typeof summary>;
  /** Substrings every unschedulable reason must contain. */
  reasons?: string[];
}

const scenarios: Scenario[] = [
  {
    name: 'should pack small pods onto the cheapest instance type that holds them all',
    input: input({ pods: pods(3, 'p', '500m', '512Mi') }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/p-0', 'default/p-1', 'default/p-2'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should grow the NodeClaim to a bigger type when the pods need it',
    input: input({ pods: pods(3, 'p', '1500m', '1Gi') }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'large/zone-a/on-demand', pods: ['default/p-0', 'default/p-1', 'default/p-2'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should report a pod larger than every instance type, naming the NodePool',
    input: input({ pods: [pod('huge', '16', '1Gi')] }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/huge'] },
    reasons: ['nodepool "default"', 'insufficient cpu'],
  },
  {
    name: 'should place extended resources (GPUs) only on types that have them',
    input: input({
      pods: [
        {
          metadata: { name: 'gpu', namespace: 'default' },
          spec: {
            containers: [
              { resources: { requests: { cpu: '1', 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } },
            ],
          },
        },
      ],
      instanceTypes: [
        ...standardTypes(),
        instanceType('gpu', { cpu: 4, memoryGiB: 16, price: 1, extended: { 'nvidia.com/gpu': 1 } }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'gpu/zone-a/on-demand', pods: ['default/gpu'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should count DaemonSet overhead per instance type',
    input: input({
      pods: [pod('p', '1500m', '1Gi')],
      daemonSets: [pod('ds', '1', '1Gi')],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'medium/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should ignore DaemonSets that do not tolerate the NodePool taints',
    input: input({
      pods: [pod('p', '1500m', '1Gi', { tolerations: [{ key: 'dedicated', operator: 'Exists' }] })],
      nodePools: [nodePool('tainted', {}, { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] })],
      daemonSets: [pod('ds', '1', '1Gi')],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'tainted', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should honour a nodeSelector on zone',
    input: input({ pods: [pod('p', '1', '1Gi', { nodeSelector: { [ZONE]: 'zone-b' } })] }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should normalise deprecated label keys',
    input: input({
      pods: [pod('p', '1', '1Gi', { nodeSelector: { 'failure-domain.beta.kubernetes.io/zone': 'zone-c' } })],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should reject a selector on a label no NodePool or instance type defines',
    input: input({ pods: [pod('p', '1', '1Gi', { nodeSelector: { team: 'a' } })] }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/p'] },
    reasons: ['label "team" does not have known values'],
  },
  {
    name: 'should accept a selector on a NodePool template label',
    input: input({
      pods: [pod('p', '1', '1Gi', { nodeSelector: { team: 'a' } })],
      nodePools: [nodePool('team-a', {}, {}, { team: 'a' })],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'team-a', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should select instance types by label (required node affinity)',
    input: input({
      pods: [
        pod('p', '1', '1Gi', {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['large'] }],
                  },
                ],
              },
            },
          },
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'large/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should fall back to the next required node-affinity OR term',
    input: input({
      pods: [
        pod('p', '1', '1Gi', {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  { matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-x'] }] },
                  { matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-c'] }] },
                ],
              },
            },
          },
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should honour a satisfiable preferred node affinity',
    input: input({
      pods: [
        pod('p', '1', '1Gi', {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, preference: { matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-b'] }] } },
              ],
            },
          },
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should relax an unsatisfiable preferred node affinity',
    input: input({
      pods: [
        pod('p', '1', '1Gi', {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, preference: { matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-x'] }] } },
              ],
            },
          },
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should keep pods off NodePools whose taints they do not tolerate',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [nodePool('gpu', { weight: 10 }, { taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }] })],
    }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/p'] },
    reasons: ['nodepool "gpu"', 'did not tolerate taint nvidia.com/gpu:NoSchedule'],
  },
  {
    name: 'should let tolerating pods onto tainted NodePools and ignores startup taints',
    input: input({
      pods: [
        pod('p', '1', '1Gi', { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] }),
      ],
      nodePools: [
        nodePool(
          'gpu',
          {},
          {
            taints: [{ key: 'nvidia.com/gpu', effect: 'NoSchedule' }],
            startupTaints: [{ key: 'node.cilium.io/agent-not-ready', effect: 'NoExecute' }],
          }
        ),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'gpu', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should treat PreferNoSchedule taints as a preference that is relaxed',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [nodePool('soft', {}, { taints: [{ key: 'spot', effect: 'PreferNoSchedule' }] })],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'soft', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should prefer the NodePool with the highest weight',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [nodePool('a-light', { weight: 1 }), nodePool('b-heavy', { weight: 50 })],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'b-heavy', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    // Karpenter OrderByWeight (pkg/utils/nodepool/nodepool.go:167) sorts equal weights by name, descending.
    name: 'should break NodePool weight ties by name, last name first as Karpenter does',
    input: input({ pods: [pod('p', '1', '1Gi')], nodePools: [nodePool('alpha'), nodePool('zeta')] }),
    expected: {
      nodeClaims: [{ nodePool: 'zeta', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should never provision from static or deleting NodePools',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [
        { ...nodePool('static', { weight: 90, replicas: 3 }) },
        {
          ...nodePool('leaving', { weight: 80 }),
          metadata: { name: 'leaving', deletionTimestamp: '2026-11-27T00:00:00Z' },
        },
        nodePool('dynamic'),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'dynamic', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should fall through to a lower-weight NodePool the heavier one cannot serve',
    input: input({
      pods: [pod('p', '1', '1Gi', { nodeSelector: { [ZONE]: 'zone-c' } })],
      nodePools: [
        nodePool('heavy', { weight: 50 }, { requirements: [{ key: ZONE, operator: 'In', values: ['zone-a'] }] }),
        nodePool('light', { weight: 1 }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'light', launch: 'small/zone-c/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should stop at NodePool cpu limits, counting the largest option of each planned NodeClaim',
    input: input({
      pods: [
        pod('a', '1500m', '1Gi', { nodeSelector: { 'node.kubernetes.io/instance-type': 'small' } }),
        pod('b', '1500m', '1Gi', { nodeSelector: { 'node.kubernetes.io/instance-type': 'small' } }),
      ],
      nodePools: [nodePool('default', { limits: { cpu: '3' } })],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/a'] }],
      existingNodes: [],
      unschedulable: ['default/b'],
    },
    reasons: ['exceed limits for nodepool "default"'],
  },
  {
    name: 'should count existing nodes against limits.nodes',
    input: input({
      pods: [pod('p', '2', '1Gi')],
      nodePools: [nodePool('default', { limits: { nodes: '1' } })],
      existingNodes: [node('n1', 'zone-a', 1, 1, { labels: { 'karpenter.sh/nodepool': 'default' } })],
      // the pod is larger than the node, so only a new NodeClaim could take it
    }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/p'] },
    reasons: ['node limit reached'],
  },
  {
    name: 'should use room on existing nodes before launching',
    input: input({
      pods: pods(2, 'p', '1', '1Gi'),
      existingNodes: [node('n1', 'zone-a', 4, 8, { pods: [pod('running', '2', '1Gi', { nodeName: 'n1' })] })],
    }),
    expected: {
      nodeClaims: [],
      existingNodes: [{ name: 'n1', pods: ['default/p-0', 'default/p-1'] }],
      unschedulable: [],
    },
  },
  {
    name: 'should keep room on existing nodes for DaemonSet pods not running there yet',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      daemonSets: [
        {
          metadata: { name: 'agent', namespace: 'kube-system' },
          spec: { containers: [{ resources: { requests: { cpu: '1' } } }] },
        },
      ],
      existingNodes: [
        node('a-fresh', 'zone-a', 1.5, 8),
        node('b-done', 'zone-b', 2, 8, {
          pods: [
            {
              metadata: {
                name: 'agent-x',
                namespace: 'kube-system',
                ownerReferences: [{ kind: 'DaemonSet', name: 'agent' }],
              },
              spec: { nodeName: 'b-done', containers: [{ resources: { requests: { cpu: '1' } } }] },
            },
          ],
        }),
      ],
    }),
    expected: { nodeClaims: [], existingNodes: [{ name: 'b-done', pods: ['default/p'] }], unschedulable: [] },
  },
  {
    name: 'should plan onto an in-flight NodeClaim despite its startup taints',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      existingNodes: [
        node('inflight', 'zone-a', 4, 8, {
          initialized: false,
          taints: [
            { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' },
            { key: 'startup', effect: 'NoSchedule' },
          ],
          startupTaints: [{ key: 'startup', effect: 'NoSchedule' }],
        }),
      ],
    }),
    expected: { nodeClaims: [], existingNodes: [{ name: 'inflight', pods: ['default/p'] }], unschedulable: [] },
  },
  {
    name: 'should respect taints of existing nodes',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      existingNodes: [node('n1', 'zone-a', 4, 8, { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] })],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should launch on the cheapest offering, spot first at equal price',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      instanceTypes: [
        instanceType('a', {
          cpu: 2,
          memoryGiB: 4,
          price: 0.1,
          capacityTypes: ['spot', 'on-demand'],
          spotPrice: 0.03,
          zones: ['zone-b'],
        }),
        instanceType('b', { cpu: 2, memoryGiB: 4, price: 0.09, zones: ['zone-a'] }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'a/zone-b/spot', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should honour a capacity-type requirement',
    input: input({
      pods: [pod('p', '1', '1Gi', { nodeSelector: { 'karpenter.sh/capacity-type': 'on-demand' } })],
      instanceTypes: [
        instanceType('a', {
          cpu: 2,
          memoryGiB: 4,
          price: 0.1,
          capacityTypes: ['spot', 'on-demand'],
          spotPrice: 0.03,
          zones: ['zone-b'],
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'a/zone-b/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should spread across zones with a DoNotSchedule topology spread',
    input: input({ pods: pods(3, 'w', '1', '1Gi', zoneSpread(), { app: 'web' }) }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/w-0'] },
        { nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/w-1'] },
        { nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/w-2'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should count existing pods in zone spread',
    input: input({
      pods: pods(2, 'w', '1', '1Gi', zoneSpread(), { app: 'web' }),
      existingNodes: [
        node('n1', 'zone-a', 1, 1, { pods: [pod('old', '1', '1Gi', { nodeName: 'n1' }, { app: 'web' })] }),
      ],
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/w-0'] },
        { nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/w-1'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should spread across hostnames, one pod per NodeClaim at maxSkew 1',
    input: input({
      pods: pods(
        3,
        'w',
        '100m',
        '100Mi',
        {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: HOSTNAME,
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'web' } },
            },
          ],
        },
        { app: 'web' }
      ),
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/w-0'] },
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/w-1'] },
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/w-2'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should spread over a custom capacity-type key',
    input: input({
      pods: pods(
        2,
        'w',
        '1',
        '1Gi',
        {
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'karpenter.sh/capacity-type',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'web' } },
            },
          ],
        },
        { app: 'web' }
      ),
      instanceTypes: [
        instanceType('a', {
          cpu: 4,
          memoryGiB: 8,
          price: 0.2,
          capacityTypes: ['spot', 'on-demand'],
          spotPrice: 0.05,
          zones: ['zone-a'],
        }),
      ],
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'a/zone-a/on-demand', pods: ['default/w-0'] },
        { nodePool: 'default', launch: 'a/zone-a/spot', pods: ['default/w-1'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should relax a ScheduleAnyway spread that cannot be met',
    input: input({
      pods: pods(
        2,
        'w',
        '1',
        '1Gi',
        {
          nodeSelector: { [ZONE]: 'zone-a' },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: ZONE,
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: { app: 'web' } },
              nodeAffinityPolicy: 'Ignore',
            },
          ],
        },
        { app: 'web' }
      ),
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/w-0', 'default/w-1'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should leave a DoNotSchedule spread pod pending when its domain is skewed, with minDomains',
    input: input({
      pods: pods(
        2,
        'w',
        '1',
        '1Gi',
        {
          nodeSelector: { [ZONE]: 'zone-a' },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              minDomains: 3,
              topologyKey: ZONE,
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'web' } },
            },
          ],
        },
        { app: 'web' }
      ),
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/w-0'] }],
      existingNodes: [],
      unschedulable: ['default/w-1'],
    },
    reasons: ['topology spread'],
  },
  {
    name: 'should count only tolerated domains towards the minimum with nodeTaintsPolicy Honor',
    input: input({
      pods: pods(3, 'w', '1', '1Gi', zoneSpread(1, { nodeTaintsPolicy: 'Honor' }), { app: 'web' }),
      nodePools: [
        nodePool('general', {}, { requirements: [{ key: ZONE, operator: 'In', values: ['zone-a', 'zone-b'] }] }),
        nodePool(
          'tainted',
          {},
          {
            requirements: [{ key: ZONE, operator: 'In', values: ['zone-c'] }],
            taints: [{ key: 'dedicated', effect: 'NoSchedule' }],
          }
        ),
      ],
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'general', launch: 'small/zone-a/on-demand', pods: ['default/w-0', 'default/w-2'] },
        { nodePool: 'general', launch: 'small/zone-b/on-demand', pods: ['default/w-1'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should let an untolerated empty zone hold the minimum down with nodeTaintsPolicy Ignore',
    input: input({
      pods: pods(3, 'w', '1', '1Gi', zoneSpread(), { app: 'web' }),
      nodePools: [
        nodePool('general', {}, { requirements: [{ key: ZONE, operator: 'In', values: ['zone-a', 'zone-b'] }] }),
        nodePool(
          'tainted',
          {},
          {
            requirements: [{ key: ZONE, operator: 'In', values: ['zone-c'] }],
            taints: [{ key: 'dedicated', effect: 'NoSchedule' }],
          }
        ),
      ],
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'general', launch: 'small/zone-a/on-demand', pods: ['default/w-0'] },
        { nodePool: 'general', launch: 'small/zone-b/on-demand', pods: ['default/w-1'] },
      ],
      existingNodes: [],
      unschedulable: ['default/w-2'],
    },
    reasons: ['nodepool "general"', 'nodepool "tainted"'],
  },
  {
    name: 'should follow a satisfiable preferred pod affinity',
    input: input({
      pods: [
        pod('web', '500m', '1Gi', {
          affinity: {
            podAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 50, podAffinityTerm: { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } } } },
              ],
            },
          },
        }),
      ],
      existingNodes: [
        node('db-node', 'zone-c', 1, 1, { pods: [pod('db', '1', '1Gi', { nodeName: 'db-node' }, { app: 'db' })] }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/web'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should relax a preferred pod affinity that has no target',
    input: input({
      pods: [
        pod('web', '500m', '1Gi', {
          affinity: {
            podAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 50, podAffinityTerm: { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } } } },
              ],
            },
          },
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/web'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should co-locate pods with required zonal pod affinity',
    input: input({
      pods: [
        pod('db', '1', '1Gi', { nodeSelector: { [ZONE]: 'zone-c' } }, { app: 'db' }),
        pod('web', '500m', '1Gi', {
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } } },
              ],
            },
          },
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/db', 'default/web'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should leave a pod pending when its required affinity target does not exist',
    input: input({
      pods: [
        pod('web', '500m', '1Gi', {
          affinity: {
            podAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } } },
              ],
            },
          },
        }),
      ],
    }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/web'] },
    reasons: ['pod affinity'],
  },
  {
    name: 'should separate pods with hostname anti-affinity',
    input: input({
      pods: pods(
        2,
        'a',
        '100m',
        '100Mi',
        {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: HOSTNAME, labelSelector: { matchLabels: { app: 'a' } } },
              ],
            },
          },
        },
        { app: 'a' }
      ),
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/a-0'] },
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/a-1'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should keep pods away from existing pods whose anti-affinity selects them',
    input: input({
      pods: [pod('p', '100m', '100Mi', {}, { app: 'p' })],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, {
          pods: [
            pod('loner', '100m', '100Mi', {
              nodeName: 'n1',
              affinity: {
                podAntiAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: [
                    { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'p' } } },
                  ],
                },
              },
            }),
          ],
        }),
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/p'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should relax preferred anti-affinity that cannot be met',
    input: input({
      pods: pods(
        4,
        'x',
        '100m',
        '100Mi',
        {
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 10, podAffinityTerm: { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'x' } } } },
              ],
            },
          },
        },
        { app: 'x' }
      ),
    }),
    expected: {
      // Like Karpenter, the first pod blocks every zone its NodeClaim might land in, so the rest relax the
      // preference and join it.
      nodeClaims: [
        {
          nodePool: 'default',
          launch: 'small/zone-a/on-demand',
          pods: ['default/x-0', 'default/x-1', 'default/x-2', 'default/x-3'],
        },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should separate pods that want the same host port',
    input: input({
      pods: pods(2, 'h', '100m', '100Mi', {
        containers: [{ resources: { requests: { cpu: '100m' } }, ports: [{ containerPort: 80, hostPort: 8080 }] }],
      }),
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/h-0'] },
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/h-1'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should follow a bound volume to its zone',
    input: input({
      pods: [pod('db', '1', '1Gi', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] })],
      persistentVolumeClaims: [
        {
          metadata: { name: 'data', namespace: 'default', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
          spec: { volumeName: 'pv-1' },
        },
      ],
      persistentVolumes: [
        {
          metadata: { name: 'pv-1' },
          spec: {
            nodeAffinity: {
              required: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-b'] }] }],
              },
            },
          },
        },
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/db'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should follow a StorageClass allowedTopologies for an unbound claim',
    input: input({
      pods: [pod('db', '1', '1Gi', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] })],
      persistentVolumeClaims: [
        { metadata: { name: 'data', namespace: 'default' }, spec: { storageClassName: 'gp3-c' } },
      ],
      storageClasses: [
        {
          metadata: { name: 'gp3-c' },
          provisioner: 'ebs.csi.aws.com',
          volumeBindingMode: 'WaitForFirstConsumer',
          allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE, values: ['zone-c'] }] }],
        },
      ],
    }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-c/on-demand', pods: ['default/db'] }],
      existingNodes: [],
      unschedulable: [],
    },
  },
  // Karpenter ValidatePersistentVolumeClaims (volumetopology.go:226-283): pods kube-scheduler would reject are ignored.
  ...(
    [
      [
        'a claim with a volumeName the PV controller has not annotated as bound',
        { metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv-1' } },
        'pvc "data" is considered unbound because it does not contain annotation pv.kubernetes.io/bind-completed',
      ],
      [
        'an unbound claim without a storage class',
        { metadata: { name: 'data', namespace: 'default' }, spec: {} },
        'unbound pvc "data" must define a storage class',
      ],
      [
        'an unbound claim of an Immediate storage class (the API default)',
        { metadata: { name: 'data', namespace: 'default' }, spec: { storageClassName: 'gp3' } },
        'pvc "data" with immediate volume binding mode must be bound',
      ],
      [
        'a claim being deleted',
        {
          metadata: { name: 'data', namespace: 'default', deletionTimestamp: '2026-01-01T00:00:00Z' },
          spec: { storageClassName: 'gp3' },
        },
        'persistentvolumeclaim "data" is being deleted',
      ],
    ] as const
  ).map(([what, claim, reason]) => ({
    name: `should ignore a pod with ${what}`,
    input: input({
      pods: [pod('db', '1', '1Gi', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }] })],
      persistentVolumeClaims: [claim as unknown as PersistentVolumeClaim],
      persistentVolumes: [{ metadata: { name: 'pv-1' }, spec: {} }],
      storageClasses: [{ metadata: { name: 'gp3' }, provisioner: 'ebs.csi.aws.com' }],
    }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/db'] },
    reasons: [reason],
  })),
  {
    name: 'should report a missing PersistentVolumeClaim',
    input: input({
      pods: [pod('db', '1', '1Gi', { volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'nope' } }] })],
    }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/db'] },
    reasons: ['persistentvolumeclaim "nope" not found'],
  },
  {
    name: 'should report a pod whose requests cannot be parsed',
    input: input({ pods: [pod('bad', 'lots', '1Gi'), pod('good', '1', '1Gi')] }),
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/good'] }],
      existingNodes: [],
      unschedulable: ['default/bad'],
    },
    reasons: ['invalid pod: invalid quantity "lots"'],
  },
  {
    name: 'should fail a NodeClaim that cannot keep minValues instance types',
    input: input({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [
        nodePool(
          'default',
          {},
          { requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'Exists', minValues: 4 }] }
        ),
      ],
    }),
    expected: { nodeClaims: [], existingNodes: [], unschedulable: ['default/p'] },
    reasons: ['minValues'],
  },
];

/** A pod in another namespace. */
function inNamespace(namespace: string, p: Pod): Pod {
  return { ...p, metadata: { ...p.metadata, namespace } };
}

/** Node n1 in zone-a running `db` (app=db) in namespace `data`; the pending pod `p` keeps away from it by `term`. */
function awayFromDb(
  term: Omit<PodAffinityTerm, 'topologyKey' | 'labelSelector'>,
  namespaces?: SchedulingInput['namespaces']
): SchedulingInput {
  return input({
    pods: [
      pod('p', '100m', '100Mi', {
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'db' } }, ...term },
            ],
          },
        },
      }),
    ],
    existingNodes: [
      node('n1', 'zone-a', 4, 8, {
        pods: [inNamespace('data', pod('db', '100m', '100Mi', { nodeName: 'n1' }, { app: 'db' }))],
      }),
    ],
    ...(namespaces !== undefined ? { namespaces } : {}),
  });
}

const KEPT_AWAY = {
  nodeClaims: [{ nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/p'] }],
  existingNodes: [],
  unschedulable: [],
};
const NOT_SELECTED = { nodeClaims: [], existingNodes: [{ name: 'n1', pods: ['default/p'] }], unschedulable: [] };
const namespace = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels } });

/** namespaceSelector beyond `{}`: kube-scheduler's `namespaces` ∪ selected namespaces. */
const namespaceScenarios: Scenario[] = [
  {
    name: 'should count pods in namespaces a namespaceSelector matches by label',
    input: awayFromDb({ namespaceSelector: { matchLabels: { team: 'storage' } } }, [
      namespace('data', { team: 'storage' }),
    ]),
    expected: KEPT_AWAY,
  },
  {
    name: 'should not count pods in namespaces the namespaceSelector does not match',
    input: awayFromDb({ namespaceSelector: { matchLabels: { team: 'storage' } } }, [
      namespace('data', { team: 'other' }),
    ]),
    expected: NOT_SELECTED,
  },
  {
    name: 'should match namespaceSelector expressions (In, NotIn, Exists)',
    input: awayFromDb(
      {
        namespaceSelector: {
          matchExpressions: [
            { key: 'team', operator: 'In', values: ['storage', 'ml'] },
            { key: 'env', operator: 'NotIn', values: ['dev'] },
            { key: 'owner', operator: 'Exists' },
          ],
        },
      },
      [namespace('data', { team: 'storage', env: 'prod', owner: 'x' })]
    ),
    expected: KEPT_AWAY,
  },
  {
    name: 'should give a namespace without a Namespace object its kubernetes.io/metadata.name label only',
    input: awayFromDb({
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['data'] }],
      },
    }),
    expected: KEPT_AWAY,
  },
  {
    name: 'should not match a label selector against a namespace that has no Namespace object',
    input: awayFromDb({ namespaceSelector: { matchLabels: { team: 'storage' } } }),
    expected: NOT_SELECTED,
  },
  {
    name: 'should take the union of namespaces and namespaceSelector',
    input: awayFromDb({ namespaces: ['data'], namespaceSelector: { matchLabels: { team: 'nobody' } } }, [
      namespace('data', { team: 'storage' }),
    ]),
    expected: KEPT_AWAY,
  },
  {
    name: 'should not add the pod\u2019s own namespace when only a namespaceSelector is set',
    input: input({
      pods: [
        pod('p', '100m', '100Mi', {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  topologyKey: ZONE,
                  labelSelector: { matchLabels: { app: 'db' } },
                  namespaceSelector: { matchLabels: { team: 'storage' } },
                },
              ],
            },
          },
        }),
      ],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, { pods: [pod('db', '100m', '100Mi', { nodeName: 'n1' }, { app: 'db' })] }),
      ],
      namespaces: [namespace('default', {}), namespace('data', { team: 'storage' })],
    }),
    expected: NOT_SELECTED,
  },
  {
    name: 'should select every namespace with an empty namespaceSelector',
    input: awayFromDb({ namespaceSelector: {} }),
    expected: KEPT_AWAY,
  },
  {
    name: 'should use the pod\u2019s own namespace when neither namespaces nor namespaceSelector is set',
    input: awayFromDb({}, [namespace('data', { team: 'storage' })]),
    expected: NOT_SELECTED,
  },
  {
    name: 'should apply existing pods\u2019 anti-affinity namespaceSelector to pending pods by their namespace labels',
    input: input({
      pods: [
        pod('p', '100m', '100Mi', {}, { app: 'web' }),
        inNamespace('lab', pod('q', '100m', '100Mi', {}, { app: 'web' })),
      ],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, {
          pods: [
            inNamespace(
              'data',
              pod('loner', '100m', '100Mi', {
                nodeName: 'n1',
                affinity: {
                  podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                      {
                        topologyKey: ZONE,
                        labelSelector: { matchLabels: { app: 'web' } },
                        namespaceSelector: { matchLabels: { env: 'prod' } },
                      },
                    ],
                  },
                },
              })
            ),
          ],
        }),
      ],
      namespaces: [namespace('default', { env: 'prod' }), namespace('lab', { env: 'dev' })],
    }),
    // default (env=prod) is kept out of zone-a; lab (env=dev) is not selected and stays on n1.
    expected: {
      nodeClaims: [{ nodePool: 'default', launch: 'small/zone-b/on-demand', pods: ['default/p'] }],
      existingNodes: [{ name: 'n1', pods: ['lab/q'] }],
      unschedulable: [],
    },
  },
  {
    name: 'should separate pending pods across namespaces a hostname anti-affinity namespaceSelector matches',
    input: input({
      pods: [
        pod(
          'a',
          '100m',
          '100Mi',
          {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    topologyKey: HOSTNAME,
                    labelSelector: { matchLabels: { app: 'x' } },
                    namespaceSelector: { matchLabels: { env: 'prod' } },
                  },
                ],
              },
            },
          },
          { app: 'x' }
        ),
        inNamespace('shop', pod('b', '100m', '100Mi', {}, { app: 'x' })),
        inNamespace('lab', pod('c', '100m', '100Mi', {}, { app: 'x' })),
      ],
      namespaces: [namespace('shop', { env: 'prod' }), namespace('lab', { env: 'dev' })],
    }),
    // a selects shop/b (env=prod) but neither itself (default has no env label) nor lab/c.
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/a', 'lab/c'] },
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['shop/b'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
];

/** Pod affinity `matchLabelKeys` / `mismatchLabelKeys`, merged into the selector as `In` / `NotIn` the pod's value. */
const tenantAntiAffinity = {
  podAntiAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: [
      { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'svc' } }, mismatchLabelKeys: ['tenant'] },
    ],
  },
};
const labelKeyScenarios: Scenario[] = [
  {
    name: 'should keep a pod away from other tenants\u2019 pods with mismatchLabelKeys',
    input: input({
      pods: [pod('p', '100m', '100Mi', { affinity: tenantAntiAffinity }, { app: 'svc', tenant: 'b' })],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, {
          pods: [pod('t1', '100m', '100Mi', { nodeName: 'n1' }, { app: 'svc', tenant: 'a' })],
        }),
      ],
    }),
    expected: KEPT_AWAY,
  },
  {
    name: 'should let a pod join its own tenant\u2019s pods with mismatchLabelKeys',
    input: input({
      pods: [pod('p', '100m', '100Mi', { affinity: tenantAntiAffinity }, { app: 'svc', tenant: 'a' })],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, {
          pods: [pod('t1', '100m', '100Mi', { nodeName: 'n1' }, { app: 'svc', tenant: 'a' })],
        }),
      ],
    }),
    expected: NOT_SELECTED,
  },
  {
    name: 'should ignore a mismatchLabelKeys key the pod does not have',
    input: input({
      pods: [pod('p', '100m', '100Mi', { affinity: tenantAntiAffinity }, { app: 'svc' })],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, {
          pods: [pod('t1', '100m', '100Mi', { nodeName: 'n1' }, { app: 'svc', tenant: 'a' })],
        }),
      ],
    }),
    expected: KEPT_AWAY,
  },
  {
    name: 'should group pending pods by tenant with hostname anti-affinity and mismatchLabelKeys',
    input: input({
      pods: ['a', 'b'].flatMap((tenant) =>
        pods(
          2,
          tenant,
          '100m',
          '100Mi',
          {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    topologyKey: HOSTNAME,
                    labelSelector: { matchLabels: { app: 'svc' } },
                    mismatchLabelKeys: ['tenant'],
                  },
                ],
              },
            },
          },
          { app: 'svc', tenant }
        )
      ),
    }),
    expected: {
      nodeClaims: [
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/a-0', 'default/a-1'] },
        { nodePool: 'default', launch: 'small/zone-a/on-demand', pods: ['default/b-0', 'default/b-1'] },
      ],
      existingNodes: [],
      unschedulable: [],
    },
  },
  {
    name: 'should co-locate with pods of the same version only, with pod affinity matchLabelKeys',
    input: input({
      pods: [
        pod(
          'p',
          '100m',
          '100Mi',
          {
            affinity: {
              podAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { topologyKey: ZONE, labelSelector: { matchLabels: { app: 'svc' } }, matchLabelKeys: ['version'] },
                ],
              },
            },
          },
          { app: 'svc', version: 'v2' }
        ),
      ],
      existingNodes: [
        node('n1', 'zone-a', 4, 8, {
          pods: [pod('v1', '100m', '100Mi', { nodeName: 'n1' }, { app: 'svc', version: 'v1' })],
        }),
        node('n2', 'zone-b', 4, 8, {
          pods: [pod('v2', '100m', '100Mi', { nodeName: 'n2' }, { app: 'svc', version: 'v2' })],
        }),
      ],
    }),
    expected: { nodeClaims: [], existingNodes: [{ name: 'n2', pods: ['default/p'] }], unschedulable: [] },
  },
  {
    name: 'should combine matchLabelKeys and mismatchLabelKeys on one term',
    input: input({
      pods: [
        pod(
          'p',
          '100m',
          '100Mi',
          {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  {
                    topologyKey: ZONE,
                    labelSelector: { matchLabels: { app: 'svc' } },
                    matchLabelKeys: ['region'],
                    mismatchLabelKeys: ['tenant'],
                  },
                ],
              },
            },
          },
          { app: 'svc', region: 'eu', tenant: 'b' }
        ),
      ],
      existingNodes: [
        // Same region and tenant: not selected (mismatch). Another region: not selected (match). So n1 is allowed.
        node('n1', 'zone-a', 4, 8, {
          pods: [pod('eu-b', '100m', '100Mi', { nodeName: 'n1' }, { app: 'svc', region: 'eu', tenant: 'b' })],
        }),
        node('n2', 'zone-b', 4, 8, {
          pods: [pod('us-a', '100m', '100Mi', { nodeName: 'n2' }, { app: 'svc', region: 'us', tenant: 'a' })],
        }),
      ],
    }),
    expected: NOT_SELECTED,
  },
];

describe('solve', () => {
  it.each([...namespaceScenarios, ...labelKeyScenarios])('$name', ({ input: scenarioInput, expected }) => {
    expect(summary(solve(scenarioInput))).toEqual(expected);
    expect(summary(solve(scenarioInput, { withoutShortcuts: true }))).toEqual(expected);
  });

  it.each(scenarios)('$name', ({ input: scenarioInput, expected, reasons }) => {
    const plan = solve(scenarioInput);
    expect(summary(plan)).toEqual(expected);
    for (const { reason } of plan.unschedulable) {
      for (const text of reasons ?? []) expect(reason).toContain(text);
    }
  });

  it('should keep at most maxInstanceTypes launch options, cheapest first', () => {
    const instanceTypes = Array.from({ length: 80 }, (_, i) =>
      instanceType(`t${i}`, { cpu: 2 + i, memoryGiB: 4 + i, price: 1 + i / 100 })
    );
    const plan = solve({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [nodePool('default')],
      instanceTypes,
      options: { maxInstanceTypes: 60 },
    });
    expect(plan.nodeClaims[0]?.instanceTypes).toHaveLength(60);
    expect(plan.nodeClaims[0]?.instanceTypes.slice(0, 3)).toEqual(['t0', 't1', 't2']);
    expect(plan.nodeClaims[0]?.requirements).toContainEqual({
      key: 'node.kubernetes.io/instance-type',
      operator: 'In',
      values: [...(plan.nodeClaims[0]?.instanceTypes ?? [])].sort(),
    });
  });

  it('should keep minValues instance types when enough are compatible', () => {
    const plan = solve({
      pods: [pod('p', '1', '1Gi')],
      nodePools: [
        nodePool(
          'default',
          {},
          { requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'Exists', minValues: 3 }] }
        ),
      ],
      instanceTypes: standardTypes(),
    });
    expect(plan.nodeClaims[0]?.instanceTypes).toEqual(['small', 'medium', 'large']);
  });

  it('should add the smallest DaemonSet overhead to the NodeClaim requests', () => {
    const plan = solve(input({ pods: [pod('p', '500m', '1Gi')], daemonSets: [pod('ds', '250m', '128Mi')] }));
    expect(plan.nodeClaims[0]?.requests).toEqual({ cpu: 750, memory: 2 ** 30 + 128 * 2 ** 20, pods: 2 });
  });

  it('should drop every preference up front with preferencePolicy Ignore', () => {
    const preferring = pod('p', '1', '1Gi', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, preference: { matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-c'] }] } },
          ],
        },
      },
    });
    expect(solve(input({ pods: [preferring] })).nodeClaims[0]?.launch.zone).toBe('zone-c');
    expect(
      solve(input({ pods: [preferring], options: { preferencePolicy: 'Ignore' } })).nodeClaims[0]?.launch.zone
    ).toBe('zone-a');
  });

  it.each(['Respect', 'Ignore'] as const)(
    'should not share a spec between sibling pods that differ deep inside a required term (preferences %s)',
    (preferencePolicy) => {
      const requiring = (name: string, zone: string): Pod =>
        pod(name, '1', '1Gi', {
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: [zone] }] }],
              },
            },
          },
        });
      const plan = solve(
        input({ pods: [requiring('p-b', 'zone-b'), requiring('p-c', 'zone-c')], options: { preferencePolicy } })
      );
      expect(plan.nodeClaims.map((c) => `${c.pods.join()}@${c.launch.zone}`).sort()).toEqual([
        'default/p-b@zone-b',
        'default/p-c@zone-c',
      ]);
    }
  );

  it('should report progress up to the number of pods', () => {
    const seen: number[] = [];
    solve(input({ pods: pods(3, 'p', '100m', '100Mi') }), { onProgress: (done, total) => seen.push(done, total) });
    expect(seen.slice(-2)).toEqual([3, 3]);
  });
});

describe('solve with a catalogue edited in place', () => {
  it('should see an offering marked unavailable in the same array', () => {
    const instanceTypes = standardTypes();
    const scenario = input({ pods: [pod('p', '1', '1Gi')], instanceTypes });
    expect(solve(scenario).nodeClaims[0]?.launch.zone).toBe('zone-a');
    for (const type of instanceTypes) {
      for (const offering of type.offerings) if (offering.zone === 'zone-a') offering.available = false;
    }
    expect(solve(scenario).nodeClaims[0]?.launch.zone).toBe('zone-b');
  });
});
