// Every default Karpenter v1.14.1 applies when a NodePool field is absent, one row each, run through `simulate` on
// the bundled us-east-1 catalogue (and the conformance suite's spot prices where spot matters). Each row names the
// Karpenter source line it follows; test/conformance runs the same situations through Karpenter's own code.
// K = sigs.k8s.io/karpenter@v1.14.1, A = github.com/aws/karpenter-provider-aws@v1.14.1.
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

import { parseNodePool } from '../apis/parse.js';
import { BUNDLED_CATALOG, runSimulate, type SimulateOutput } from './simulate.js';

const SPOT_PRICES = fileURLToPath(new URL('../test/conformance/catalog/spot-price-history.json', import.meta.url));

/** The bundled catalogue plus the conformance suite's spot price history. */
function catalogWithSpotPrices(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kt-defaults-catalog-'));
  for (const file of ['instance-types.json', 'instance-type-offerings.json', 'on-demand-prices.json']) {
    symlinkSync(join(BUNDLED_CATALOG, file), join(dir, file));
  }
  symlinkSync(SPOT_PRICES, join(dir, 'spot-price-history.json'));
  return dir;
}

const nodeClass = {
  apiVersion: 'karpenter.k8s.aws/v1',
  kind: 'EC2NodeClass',
  metadata: { name: 'default' },
  spec: {
    role: 'KarpenterNodeRole',
    amiSelectorTerms: [{ alias: 'al2023@latest' }],
    subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'c' } }],
    securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'c' } }],
  },
};

const nodePool = (name: string, requirements: object[] = [], extra: object = {}) => ({
  apiVersion: 'karpenter.sh/v1',
  kind: 'NodePool',
  metadata: { name },
  spec: {
    ...extra,
    template: {
      spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, requirements },
    },
  },
});

const pods = (count: number, cpu: string, memory: string, spec: object = {}) =>
  Array.from({ length: count }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'default', labels: { app: 'p' } },
    spec: { ...spec, containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu, memory } } }] },
  }));

async function simulate(docs: object[], catalog?: string): Promise<SimulateOutput> {
  const file = join(mkdtempSync(join(tmpdir(), 'kt-defaults-')), 'manifests.yaml');
  writeFileSync(file, docs.map((doc) => stringify(doc)).join('---\n'));
  let stdout = '';
  let stderr = '';
  const args = ['-f', file, '-o', 'json', ...(catalog !== undefined ? ['--catalog', catalog] : [])];
  const code = await runSimulate(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(stdout) as SimulateOutput;
}

const requirement = (output: SimulateOutput, key: string) =>
  output.nodeClaims[0]?.requirements.find((r) => r.key === key);

interface Row {
  field: string;
  karpenter: string;
  check: () => Promise<void>;
}

const rows: Row[] = [
  {
    field: 'karpenter.sh/capacity-type absent: the NodeClaim gets the capacity types its options offer',
    karpenter: 'K pkg/controllers/provisioning/scheduling/nodeclaimtemplate.go:118-127',
    check: async () => {
      const output = await simulate([nodeClass, nodePool('default'), ...pods(3, '1', '1Gi')], catalogWithSpotPrices());
      expect(requirement(output, 'karpenter.sh/capacity-type')).toEqual({
        key: 'karpenter.sh/capacity-type',
        operator: 'In',
        values: ['on-demand', 'spot'],
      });
    },
  },
  {
    field: 'karpenter.sh/capacity-type absent: launched as spot when spot is offered at or below on-demand',
    karpenter: 'A pkg/providers/instance/instance.go:745-759 getCapacityType; filter/filter.go:377 SpotOfferingFilter',
    check: async () => {
      const output = await simulate([nodeClass, nodePool('default'), ...pods(3, '1', '1Gi')], catalogWithSpotPrices());
      expect(output.nodeClaims.map((c) => c.launch.capacityType)).toEqual(['spot']);
    },
  },
  {
    field: 'no spot price known at all: spot offered at the on-demand price, so still launched as spot',
    karpenter: 'A pkg/providers/pricing/pricing.go:174-175 SpotPrice, :452-463 Reset',
    check: async () => {
      const output = await simulate([nodeClass, nodePool('default'), ...pods(3, '1', '1Gi')]);
      const [claim] = output.nodeClaims;
      expect(claim?.launch.capacityType).toBe('spot');
      const onDemandPrices = JSON.parse(readFileSync(join(BUNDLED_CATALOG, 'on-demand-prices.json'), 'utf8')) as Record<
        string,
        number
      >;
      expect(claim?.launch.price).toBe(onDemandPrices[claim?.launch.instanceType ?? '']);
    },
  },
  {
    field: 'kubernetes.io/arch absent: no default, arm64 types compete on price',
    karpenter: 'A pkg/providers/instancetype/types.go:189 (arch from each type; no NodePool default since v1beta1)',
    check: async () => {
      const output = await simulate([nodeClass, nodePool('default'), ...pods(2, '1', '2Gi')], catalogWithSpotPrices());
      expect(requirement(output, 'kubernetes.io/arch')).toBeUndefined();
      expect(output.nodeClaims[0]?.instanceTypes.some((t) => /^(c|m|r|t)\dg\./.test(t))).toBe(true);
    },
  },
  {
    field: 'kubernetes.io/os absent: linux for a non-Windows AMI family, so a Windows pod cannot be placed',
    karpenter: 'A pkg/providers/instancetype/types.go:313-321 getOS',
    check: async () => {
      const output = await simulate([
        nodeClass,
        nodePool('default'),
        ...pods(1, '1', '1Gi', { nodeSelector: { 'kubernetes.io/os': 'windows' } }),
      ]);
      expect(output.nodeClaims).toEqual([]);
      expect(output.unschedulable.map((u) => u.pod)).toEqual(['default/p-0']);
    },
  },
  {
    field: 'instance-category / instance-generation absent: no default (v1alpha5 defaulted c,m,r and generation > 2)',
    karpenter: 'A pkg/providers/instancetype/types.go:203-206,247-251 (labels from the type name only)',
    check: async () => {
      const output = await simulate([
        nodeClass,
        nodePool('default'),
        ...pods(1, '500m', '512Mi', { nodeSelector: { 'karpenter.k8s.aws/instance-category': 't' } }),
      ]);
      expect(output.nodeClaims[0]?.launch.instanceType).toMatch(/^t/);
    },
  },
  {
    field: 'karpenter.k8s.aws/instance-hypervisor absent: no default, each type carries its own',
    karpenter: 'A pkg/providers/instancetype/types.go:216',
    check: async () => {
      const output = await simulate([nodeClass, nodePool('default'), ...pods(1, '1', '1Gi')]);
      expect(requirement(output, 'karpenter.k8s.aws/instance-hypervisor')).toBeUndefined();
    },
  },
  {
    field: 'weight absent: 0, so any weighted NodePool is tried first; equal weights by name, descending',
    karpenter: 'K pkg/utils/nodepool/nodepool.go:161-170 OrderByWeight',
    check: async () => {
      const tied = await simulate([nodeClass, nodePool('alpha'), nodePool('beta'), ...pods(1, '1', '1Gi')]);
      expect(tied.nodeClaims.map((c) => c.nodePool)).toEqual(['beta']);
      const weighted = await simulate([
        nodeClass,
        nodePool('alpha', [], { weight: 1 }),
        nodePool('beta'),
        ...pods(1, '1', '1Gi'),
      ]);
      expect(weighted.nodeClaims.map((c) => c.nodePool)).toEqual(['alpha']);
    },
  },
  {
    field: 'minValues absent: no flexibility floor; MIN_VALUES_POLICY defaults to Strict',
    karpenter: 'K pkg/operator/options/options.go:133',
    check: async () => {
      const strict = await simulate([
        nodeClass,
        nodePool('default', [
          { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'c5'], minValues: 2 },
        ]),
        // The pod narrows the families to one: Strict refuses rather than launch with less flexibility.
        ...pods(1, '1', '1Gi', { nodeSelector: { 'karpenter.k8s.aws/instance-family': 'm5' } }),
      ]);
      expect(strict.nodeClaims).toEqual([]);
      expect(strict.unschedulable[0]?.reason).toMatch(/minValues/);
    },
  },
  {
    field: 'PREFERENCE_POLICY absent: Respect, a preferred node affinity is honoured while it can be',
    karpenter: 'K pkg/operator/options/options.go:132',
    check: async () => {
      const output = await simulate([
        nodeClass,
        nodePool('default'),
        ...pods(1, '1', '1Gi', {
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 1,
                  preference: {
                    matchExpressions: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['r6i'] }],
                  },
                },
              ],
            },
          },
        }),
      ]);
      expect(output.nodeClaims[0]?.launch.instanceType).toMatch(/^r6i\./);
    },
  },
  {
    field: 'disruption, budgets and expireAfter absent: the CRD defaults',
    karpenter: 'K pkg/apis/crds/karpenter.sh_nodepools.yaml:74-80,102,154,238',
    check: () => {
      const parsed = parseNodePool(nodePool('default'));
      expect(parsed.spec.disruption).toEqual({
        consolidationPolicy: 'WhenEmptyOrUnderutilized',
        consolidateAfter: '0s',
        budgets: [{ nodes: '10%' }],
      });
      expect(parsed.spec.template.spec.expireAfter).toBe('720h');
      return Promise.resolve();
    },
  },
  {
    field: 'launch set: at most 60 instance types go to CreateFleet',
    karpenter: 'A pkg/providers/instance/instance.go:67 maxInstanceTypes',
    check: async () => {
      const output = await simulate([nodeClass, nodePool('default'), ...pods(1, '100m', '128Mi')]);
      expect(output.nodeClaims[0]?.instanceTypes).toHaveLength(60);
    },
  },
];

describe('defaults Karpenter v1.14.1 applies when a field is absent', () => {
  it.each(rows.map((row) => [row.field, row.karpenter, row]))('%s (%s)', async (_field, _source, row) => {
    await (row as Row).check();
  });
});
