import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { instanceType, nodePool } from './fixtures.js';
import { canonicalResource } from './quantity.js';
import { solve } from './scheduler.js';
import type { LabelSelector, Pod, PodAffinityTerm, SchedulingInput } from './types.js';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

interface PodShape {
  cpu: number;
  memoryMi: number;
  zone: string | undefined;
  antiAffinity: boolean;
  tolerates: boolean;
  spread: boolean;
}

const podShape = fc.record({
  cpu: fc.integer({ min: 50, max: 6000 }),
  memoryMi: fc.integer({ min: 64, max: 12000 }),
  zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
  antiAffinity: fc.boolean(),
  tolerates: fc.boolean(),
  spread: fc.boolean(),
});

const typeShape = fc.record({
  cpu: fc.integer({ min: 1, max: 16 }),
  memoryGiB: fc.integer({ min: 1, max: 64 }),
  price: fc.integer({ min: 1, max: 1000 }).map((cents) => cents / 100),
  zones: fc.subarray(ZONES, { minLength: 1 }),
});

function toPod(shape: PodShape, i: number): Pod {
  const labels: Record<string, string> = { app: shape.antiAffinity ? 'lonely' : 'web' };
  return {
    metadata: { name: `p${i}`, namespace: 'default', labels },
    spec: {
      containers: [{ resources: { requests: { cpu: `${shape.cpu}m`, memory: `${shape.memoryMi}Mi` } } }],
      ...(shape.zone !== undefined ? { nodeSelector: { 'topology.kubernetes.io/zone': shape.zone } } : {}),
      ...(shape.tolerates ? { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } : {}),
      ...(shape.spread
        ? {
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'topology.kubernetes.io/zone',
                whenUnsatisfiable: 'DoNotSchedule',
                labelSelector: { matchLabels: labels },
              },
            ],
          }
        : {}),
      ...(shape.antiAffinity
        ? {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'lonely' } } },
                ],
              },
            },
          }
        : {}),
    },
  };
}

const inputArbitrary = fc
  .record({
    pods: fc.array(podShape, { minLength: 1, maxLength: 25 }),
    types: fc.array(typeShape, { minLength: 1, maxLength: 8 }),
    daemonCpu: fc.integer({ min: 0, max: 500 }),
  })
  .map(({ pods, types, daemonCpu }): SchedulingInput => ({
    pods: pods.map(toPod),
    instanceTypes: types.map((t, i) => instanceType(`t${i}`, t)),
    nodePools: [
      nodePool('dedicated', { weight: 10 }, { taints: [{ key: 'dedicated', value: 'x', effect: 'NoSchedule' }] }),
      nodePool('general'),
    ],
    daemonSets:
      daemonCpu > 0
        ? [{ metadata: { name: 'ds' }, spec: { containers: [{ resources: { requests: { cpu: `${daemonCpu}m` } } }] } }]
        : [],
  }));

function requests(pod: Pod): { cpu: number; memory: number } {
  const r = pod.spec.containers[0]?.resources?.requests ?? {};
  return { cpu: canonicalResource('cpu', r['cpu'] ?? 0), memory: canonicalResource('memory', r['memory'] ?? 0) };
}

const topologyPodShape = fc.record({
  cpu: fc.integer({ min: 100, max: 3000 }),
  app: fc.constantFrom('a', 'b', 'c'),
  zone: fc.option(fc.constantFrom(...ZONES), { nil: undefined }),
  constraint: fc.constantFrom('none', 'zone-spread', 'host-spread', 'zone-affinity', 'host-anti', 'zone-anti'),
  maxSkew: fc.integer({ min: 1, max: 2 }),
});

function topologyPod(shape: typeof topologyPodShape extends fc.Arbitrary<infer T> ? T : never, i: number): Pod {
  const labels = { app: shape.app };
  const selector = { matchLabels: labels };
  const zoneKey = 'topology.kubernetes.io/zone';
  const hostKey = 'kubernetes.io/hostname';
  const spec: Pod['spec'] = {
    containers: [{ resources: { requests: { cpu: `${shape.cpu}m`, memory: '256Mi' } } }],
    ...(shape.zone !== undefined ? { nodeSelector: { [zoneKey]: shape.zone } } : {}),
  };
  const spread = (key: string) => [
    { maxSkew: shape.maxSkew, topologyKey: key, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
  ];
  if (shape.constraint === 'zone-spread') spec.topologySpreadConstraints = spread(zoneKey);
  if (shape.constraint === 'host-spread') spec.topologySpreadConstraints = spread(hostKey);
  if (shape.constraint === 'zone-affinity') {
    spec.affinity = {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: zoneKey, labelSelector: selector }],
      },
    };
  }
  if (shape.constraint === 'host-anti' || shape.constraint === 'zone-anti') {
    const topologyKey = shape.constraint === 'host-anti' ? hostKey : zoneKey;
    spec.affinity = {
      podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: selector }] },
    };
  }
  return { metadata: { name: `t${i}`, namespace: 'default', labels }, spec };
}

/** Pods in three namespaces with hostname anti-affinity scoped by namespaces, namespaceSelector and label keys. */
const NAMESPACES = ['default', 'shop', 'lab'];
const NAMESPACE_SELECTORS: (LabelSelector | undefined)[] = [
  undefined,
  {},
  { matchLabels: { env: 'prod' } },
  { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['dev'] }] },
  { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['lab'] }] },
];
const scopedPodShape = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  app: fc.constantFrom('a', 'b'),
  tenant: fc.option(fc.constantFrom('t1', 't2'), { nil: undefined }),
  anti: fc.boolean(),
  namespaces: fc.subarray(NAMESPACES, { maxLength: 2 }),
  namespaceSelector: fc.nat({ max: NAMESPACE_SELECTORS.length - 1 }),
  labelKeys: fc.constantFrom('none', 'match', 'mismatch'),
});

function scopedPod(shape: typeof scopedPodShape extends fc.Arbitrary<infer T> ? T : never, i: number): Pod {
  const labels: Record<string, string> = {
    app: shape.app,
    ...(shape.tenant !== undefined ? { tenant: shape.tenant } : {}),
  };
  const namespaceSelector = NAMESPACE_SELECTORS[shape.namespaceSelector];
  const term: PodAffinityTerm = {
    topologyKey: 'kubernetes.io/hostname',
    labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [shape.app] }] },
    ...(shape.namespaces.length > 0 ? { namespaces: shape.namespaces } : {}),
    ...(namespaceSelector !== undefined ? { namespaceSelector } : {}),
    ...(shape.labelKeys === 'match' ? { matchLabelKeys: ['tenant'] } : {}),
    ...(shape.labelKeys === 'mismatch' ? { mismatchLabelKeys: ['tenant'] } : {}),
  };
  return {
    metadata: { name: `s${i}`, namespace: shape.namespace, labels },
    spec: {
      containers: [{ resources: { requests: { cpu: '100m', memory: '128Mi' } } }],
      ...(shape.anti
        ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } }
        : {}),
    },
  };
}

/** kube-scheduler's matching, written out independently of the solver: does `owner`'s term select `other`? */
function referenceSelects(
  owner: Pod,
  term: PodAffinityTerm,
  other: Pod,
  namespaceLabels: Record<string, Record<string, string>>
): boolean {
  const matches = (selector: LabelSelector, labels: Record<string, string>): boolean =>
    Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
    (selector.matchExpressions ?? []).every((e) =>
      e.operator === 'In'
        ? labels[e.key] !== undefined && (e.values ?? []).includes(labels[e.key] ?? '')
        : e.operator === 'NotIn'
          ? labels[e.key] === undefined || !(e.values ?? []).includes(labels[e.key] ?? '')
          : e.operator === 'Exists'
            ? labels[e.key] !== undefined
            : labels[e.key] === undefined
    );
  const ns = other.metadata.namespace ?? 'default';
  const listed = term.namespaces ?? [];
  const inScope =
    listed.length === 0 && (term.namespaceSelector === undefined || term.namespaceSelector === null)
      ? ns === (owner.metadata.namespace ?? 'default')
      : listed.includes(ns) ||
        (term.namespaceSelector != null &&
          matches(term.namespaceSelector, { ...namespaceLabels[ns], 'kubernetes.io/metadata.name': ns }));
  if (!inScope || term.labelSelector == null) return false;
  const ownLabels = owner.metadata.labels ?? {};
  const labels = other.metadata.labels ?? {};
  if (!matches(term.labelSelector, labels)) return false;
  for (const key of term.matchLabelKeys ?? []) {
    if (ownLabels[key] !== undefined && labels[key] !== ownLabels[key]) return false;
  }
  for (const key of term.mismatchLabelKeys ?? []) {
    if (ownLabels[key] !== undefined && labels[key] === ownLabels[key]) return false;
  }
  return true;
}

describe('solve properties', () => {
  it('should make the same plan with and without its shortcuts', () => {
    fc.assert(
      fc.property(
        fc.array(topologyPodShape, { minLength: 1, maxLength: 40 }),
        fc.array(typeShape, { minLength: 1, maxLength: 6 }),
        fc.array(
          fc.record({
            zone: fc.constantFrom(...ZONES),
            cpu: fc.integer({ min: 1, max: 8 }),
            apps: fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
            initialized: fc.boolean(),
          }),
          { maxLength: 4 }
        ),
        (shapes, types, nodes) => {
          const input: SchedulingInput = {
            pods: shapes.map(topologyPod),
            instanceTypes: types.map((t, i) => instanceType(`t${i}`, t)),
            nodePools: [nodePool('default')],
            existingNodes: nodes.map((n, i) => ({
              name: `node-${i}`,
              labels: { 'topology.kubernetes.io/zone': n.zone, 'kubernetes.io/hostname': `node-${i}` },
              allocatable: { cpu: String(n.cpu), memory: '32Gi', pods: '110' },
              initialized: n.initialized,
              pods: n.apps.map((app, j) => ({
                metadata: { name: `bound-${i}-${j}`, namespace: 'default', labels: { app } },
                spec: { nodeName: `node-${i}`, containers: [{ resources: { requests: { cpu: '100m' } } }] },
              })),
            })),
          };
          expect(solve(input)).toEqual(solve(structuredClone(input), { withoutShortcuts: true }));
        }
      ),
      { numRuns: 300 }
    );
  });

  it('should keep apart on a host every pair a required anti-affinity term selects, across namespaces', () => {
    fc.assert(
      fc.property(
        fc.array(scopedPodShape, { minLength: 1, maxLength: 24 }),
        fc.record({ shop: fc.constantFrom('prod', 'dev'), lab: fc.constantFrom('prod', 'dev') }),
        fc.boolean(),
        (shapes, env, listDefault) => {
          const namespaceLabels: Record<string, Record<string, string>> = {
            shop: { env: env.shop },
            lab: { env: env.lab },
          };
          const input: SchedulingInput = {
            pods: shapes.map(scopedPod),
            instanceTypes: [instanceType('big', { cpu: 64, memoryGiB: 256, price: 1 })],
            nodePools: [nodePool('default')],
            // `default` has no Namespace object half the time: then only its metadata.name label exists.
            namespaces: [
              ...(listDefault ? [{ metadata: { name: 'default', labels: { env: 'prod' } } }] : []),
              { metadata: { name: 'shop', labels: namespaceLabels['shop'] } },
              { metadata: { name: 'lab', labels: namespaceLabels['lab'] } },
            ],
          };
          if (listDefault) namespaceLabels['default'] = { env: 'prod' };
          const plan = solve(input);
          expect(solve(structuredClone(input), { withoutShortcuts: true })).toEqual(plan);
          const byKey = new Map(input.pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
          for (const claim of plan.nodeClaims) {
            const here = claim.pods.map((key) => byKey.get(key)!);
            for (const owner of here) {
              for (const term of owner.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ??
                []) {
                for (const other of here) {
                  if (other === owner) continue;
                  expect({ owner: owner.metadata.name, other: other.metadata.name, together: true }).toEqual({
                    owner: owner.metadata.name,
                    other: other.metadata.name,
                    together: !referenceSelects(owner, term, other, namespaceLabels),
                  });
                }
              }
            }
          }
        }
      ),
      { numRuns: 200 }
    );
  });

  it('should place every pod at most once and satisfy its constraints', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = solve(input);
        const byKey = new Map(input.pods.map((p) => [`default/${p.metadata.name}`, p]));
        const placed = plan.nodeClaims.flatMap((c) => c.pods);
        const unplaced = plan.unschedulable.map((u) => u.pod);
        expect([...placed, ...unplaced].sort()).toEqual([...byKey.keys()].sort());
        for (const claim of plan.nodeClaims) {
          let lonely = 0;
          for (const key of claim.pods) {
            const pod = byKey.get(key);
            if (pod === undefined) throw new Error(`unknown pod ${key}`);
            const zone = pod.spec.nodeSelector?.['topology.kubernetes.io/zone'];
            if (zone !== undefined) expect(claim.launch.zone).toBe(zone);
            if (claim.nodePool === 'dedicated') expect(pod.spec.tolerations?.length).toBe(1);
            if (pod.metadata.labels?.['app'] === 'lonely') lonely++;
          }
          expect(lonely).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 150 }
    );
  });

  it('should never plan more than any launch option can hold, DaemonSets included', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = solve(input);
        const byKey = new Map(input.pods.map((p) => [`default/${p.metadata.name}`, p]));
        const types = new Map(input.instanceTypes.map((t) => [t.name, t]));
        const daemonCpu = canonicalResource(
          'cpu',
          input.daemonSets?.[0]?.spec.containers[0]?.resources?.requests?.['cpu'] ?? 0
        );
        for (const claim of plan.nodeClaims) {
          let cpu = 0;
          let memory = 0;
          for (const key of claim.pods) {
            const pod = byKey.get(key);
            if (pod === undefined) throw new Error(`unknown pod ${key}`);
            cpu += requests(pod).cpu;
            memory += requests(pod).memory;
          }
          const daemon = claim.nodePool === 'general' ? daemonCpu : 0;
          expect(claim.instanceTypes).toContain(claim.launch.instanceType);
          for (const name of claim.instanceTypes) {
            const type = types.get(name);
            expect(cpu + daemon).toBeLessThanOrEqual(type?.capacity['cpu'] ?? 0);
            expect(memory).toBeLessThanOrEqual(type?.capacity['memory'] ?? 0);
            expect(claim.pods.length + (daemon > 0 ? 1 : 0)).toBeLessThanOrEqual(type?.capacity['pods'] ?? 0);
          }
        }
      }),
      { numRuns: 150 }
    );
  });

  it('should give the same plan for the same input, also after a JSON round trip of input and plan', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = solve(structuredClone(input));
        expect(solve(structuredClone(input))).toEqual(plan);
        const viaJson = solve(JSON.parse(JSON.stringify(input)) as SchedulingInput);
        expect(JSON.parse(JSON.stringify(viaJson))).toEqual(plan);
      }),
      { numRuns: 100 }
    );
  });

  // Without zone spreads: a spread's tie between equally filled zones goes to the zone with the cheapest launch for
  // the pods placed so far, so a cheaper type can move that tie and pin a later claim to a zone whose types cannot
  // take the pods still to come (Karpenter breaks the tie at random: no rule there is monotonic in price either).
  it('should never cost more when a cheaper copy of a compatible instance type is added (no zone spreads)', () => {
    const withoutSpreads = inputArbitrary.map((input) => ({
      ...input,
      pods: input.pods.map(({ spec: { topologySpreadConstraints: _spread, ...spec }, ...pod }) => ({ ...pod, spec })),
    }));
    fc.assert(
      fc.property(withoutSpreads, fc.nat(), fc.integer({ min: 1, max: 99 }), (input, pick, percent) => {
        const before = solve(input);
        const original = input.instanceTypes[pick % input.instanceTypes.length];
        if (original === undefined) return;
        const cheaper = {
          ...structuredClone(original),
          name: 'cheaper',
          offerings: original.offerings.map((o) => ({ ...o, price: (o.price * percent) / 100 })),
        };
        const after = solve({ ...input, instanceTypes: [...input.instanceTypes, cheaper] });
        const cost = (plan: typeof before): number => plan.nodeClaims.reduce((sum, c) => sum + c.launch.price, 0);
        expect(after.unschedulable.length).toBeLessThanOrEqual(before.unschedulable.length);
        expect(cost(after)).toBeLessThanOrEqual(cost(before) + 1e-9);
      }),
      { numRuns: 150 }
    );
  });
});
