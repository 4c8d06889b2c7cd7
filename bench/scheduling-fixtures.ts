/**
 * Karpenter's scheduling benchmark inputs (kubernetes-sigs/karpenter
 * `pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go` and `pkg/cloudprovider/fake/instancetype.go`),
 * rebuilt as plain objects for our solver.
 */
import type { InstanceType } from '../core/cloudprovider/types.js';
import type { ExistingNode, NodePool, Pod } from '../core/scheduling/types.js';

const GiB = 2 ** 30;

/** Go's math/rand is not reproducible from here; a seeded xorshift gives the same distribution, deterministically. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x / 2 ** 32;
  }
  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)] as T;
  }
}

/**
 * `fake.InstanceTypes(n)`: type i has i+1 vCPU, 2(i+1) GiB, 10(i+1) pods; spot in test-zone-1/2 and on-demand in
 * test-zone-1/2/3, every offering at `PriceFromResources` = 0.1 × vCPU + 0.1 × memory in GB (bytes / 1e9);
 * kube-reserved 100m cpu and 10Mi memory.
 */
export function fakeInstanceTypes(count: number): InstanceType[] {
  const types: InstanceType[] = [];
  for (let i = 0; i < count; i++) {
    const cpu = i + 1;
    const memory = 2 * (i + 1) * GiB;
    const price = 0.1 * cpu + (0.1 * memory) / 1e9;
    const large = cpu > 4 && memory > 8 * GiB;
    types.push({
      name: `fake-it-${i}`,
      requirements: [
        { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
        { key: 'kubernetes.io/os', operator: 'In', values: ['darwin', 'linux', 'windows'] },
        { key: 'size', operator: 'In', values: [large ? 'large' : 'small'] },
        large ? { key: 'special', operator: 'In', values: ['optional'] } : { key: 'special', operator: 'DoesNotExist' },
        { key: 'integer', operator: 'In', values: [String(cpu)] },
      ],
      capacity: { cpu: cpu * 1000, memory, pods: 10 * (i + 1) },
      overhead: { kubeReserved: { cpu: 100, memory: 10 * 2 ** 20 }, systemReserved: {}, evictionThreshold: {} },
      offerings: [
        { zone: 'test-zone-1', capacityType: 'spot', price, available: true },
        { zone: 'test-zone-2', capacityType: 'spot', price, available: true },
        { zone: 'test-zone-1', capacityType: 'on-demand', price, available: true },
        { zone: 'test-zone-2', capacityType: 'on-demand', price, available: true },
        { zone: 'test-zone-3', capacityType: 'on-demand', price, available: true },
      ],
    });
  }
  return types;
}

/** `test.NodePool` with the benchmark's huge limits. */
export function benchmarkNodePool(): NodePool {
  return {
    metadata: { name: 'default' },
    spec: {
      limits: { cpu: '10000000', memory: '10000000Gi' },
      template: {
        spec: { requirements: [], nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' } },
      },
    },
  };
}

const CPU = ['100m', '250m', '500m', '1000m', '1500m'];
const MEMORY = ['100Mi', '256Mi', '512Mi', '1024Mi', '2048Mi', '4096Mi'];
const LABEL_VALUES = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

let sequence = 0;
function pod(random: SeededRandom, labels: Record<string, string>, spec: Partial<Pod['spec']>): Pod {
  sequence++;
  return {
    metadata: {
      name: `pod-${sequence}`,
      namespace: 'default',
      uid: `uid-${String(sequence).padStart(8, '0')}`,
      labels,
    },
    spec: {
      containers: [{ name: 'app', resources: { requests: { cpu: random.pick(CPU), memory: random.pick(MEMORY) } } }],
      ...spec,
    },
  };
}

function generic(random: SeededRandom, count: number): Pod[] {
  return Array.from({ length: count }, () => pod(random, { 'my-label': random.pick(LABEL_VALUES) }, {}));
}

function spread(random: SeededRandom, count: number, key: string): Pod[] {
  return Array.from({ length: count }, () => {
    const labels = { 'my-label': random.pick(LABEL_VALUES) };
    const selector = { 'my-label': random.pick(LABEL_VALUES) };
    return pod(random, labels, {
      topologySpreadConstraints: [
        { maxSkew: 1, topologyKey: key, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: selector } },
      ],
    });
  });
}

function selfAffinity(random: SeededRandom, count: number, key: string): Pod[] {
  return Array.from({ length: count }, () => {
    const labels = { 'my-affininity': random.pick(LABEL_VALUES) };
    return pod(random, labels, {
      affinity: {
        podAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: labels }, topologyKey: key },
          ],
        },
      },
    });
  });
}

function selfAntiAffinity(random: SeededRandom, count: number, key: string): Pod[] {
  const labels = { app: 'nginx' };
  return Array.from({ length: count }, () =>
    pod(random, labels, {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { labelSelector: { matchLabels: labels }, topologyKey: key },
          ],
        },
      },
    })
  );
}

/** `makeDiversePods`: n/5 each of plain, zonal spread, hostname spread, zonal self-affinity, hostname self-anti-affinity. */
export function diversePods(count: number, seed = 42): Pod[] {
  const random = new SeededRandom(seed);
  sequence = 0;
  const fifth = Math.floor(count / 5);
  const pods = [
    ...generic(random, fifth),
    ...spread(random, fifth, 'topology.kubernetes.io/zone'),
    ...spread(random, fifth, 'kubernetes.io/hostname'),
    ...selfAffinity(random, fifth, 'topology.kubernetes.io/zone'),
    ...selfAntiAffinity(random, fifth, 'kubernetes.io/hostname'),
  ];
  return [...pods, ...generic(random, count - pods.length)];
}

/**
 * `makePreferencePods`: app=nginx pods preferring test-zone-1 (satisfiable), with preferred anti-affinity to each
 * other by zone (weight 10, unsatisfiable beyond the first pod) and by hostname (weight 1, satisfiable). As in
 * Karpenter (`test.Pods(count, options)` evaluates `randomCPU()`/`randomMemory()` once), every pod has the same
 * requests.
 */
export function preferencePods(count: number, seed = 42): Pod[] {
  const random = new SeededRandom(seed);
  sequence = 0;
  const labels = { app: 'nginx' };
  const requests = { cpu: random.pick(CPU), memory: random.pick(MEMORY) };
  return Array.from({ length: count }, () => {
    const created = pod(random, labels, {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 1,
              preference: {
                matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['test-zone-1'] }],
              },
            },
          ],
        },
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            {
              weight: 10,
              podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: 'topology.kubernetes.io/zone' },
            },
            {
              weight: 1,
              podAffinityTerm: { labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' },
            },
          ],
        },
      },
    });
    created.spec.containers = [{ name: 'app', resources: { requests } }];
    return created;
  });
}

/**
 * Karpenter's "Topology Spread w/ Existing Nodes" shape (`buildPreseededClient`, `makeTopologySpreadSingleKeyPods`):
 * `count` nodes round-robin over three zones, each running one app=benchmark-tsc pod (100m, 128Mi); Karpenter's
 * `test.Node` capacity is not given there, so ours have 1 cpu, 1Gi, 110 pods.
 */
export function preseededNodes(count: number): ExistingNode[] {
  const zones = ['test-zone-1', 'test-zone-2', 'test-zone-3'];
  return Array.from({ length: count }, (_, i) => ({
    name: `bench-node-${i}`,
    labels: {
      'topology.kubernetes.io/zone': zones[i % zones.length] ?? '',
      'kubernetes.io/hostname': `bench-node-${i}`,
    },
    allocatable: { cpu: '1', memory: '1Gi', pods: '110' },
    pods: [
      {
        metadata: { name: `existing-${i}`, namespace: 'default', labels: { app: 'benchmark-tsc' } },
        spec: {
          nodeName: `bench-node-${i}`,
          containers: [{ resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
        },
      },
    ],
  }));
}

/** `makeTopologySpreadSingleKeyPods`: pods sharing one zonal spread constraint on app=benchmark-tsc. */
export function singleKeySpreadPods(count: number, seed = 42): Pod[] {
  const random = new SeededRandom(seed);
  sequence = 0;
  const labels = { app: 'benchmark-tsc' };
  return Array.from({ length: count }, () =>
    pod(random, labels, {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'DoNotSchedule',
          labelSelector: { matchLabels: labels },
        },
      ],
    })
  );
}
