import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeSpotPriceHistoryCommand } from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import type { NodePoolLike } from '../../core/cloudprovider/index.js';
import { allocatable } from '../../core/cloudprovider/index.js';
import { deleteInstanceProfile } from '../../adapters/aws/instanceprofile.js';
import { INSTANCE_TYPES_TTL_MS } from '../../adapters/aws/instancetype-provider.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { awsControl } from './support/aws-control.js';
import {
  discoverySpec,
  emulatorOnDemandPrices,
  ensureRole,
  providerFixture,
  type ProviderFixture,
} from './support/aws-provider.js';

describe('EC2 instance-type catalogue from the emulator', () => {
  const endpoints = loadEndpoints();
  const aws = requirePart(endpoints, 'aws');
  const control = awsControl(endpoints);
  const nodeClassName = `catalogue-${randomUUID().slice(0, 8)}`;
  const nodePool: NodePoolLike = {
    metadata: { name: 'it-pool' },
    spec: {
      template: {
        spec: {
          requirements: [],
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClassName },
        },
      },
    },
  };
  let fx: ProviderFixture;
  const describeCalls = async () => (await control.calls())['DescribeInstanceTypes'] ?? 0;

  beforeAll(async () => {
    fx = await providerFixture(endpoints);
    await ensureRole(fx.iam, 'KarpenterNodeRole-it');
    await fx.applyNodeClass(nodeClassName, discoverySpec('KarpenterNodeRole-it'));
  });

  afterAll(async () => {
    await deleteInstanceProfile(fx.iam, { clusterName: endpoints.clusterName, region: aws.region, nodeClassName });
  });

  it('should page through every instance type of the region (over 1,000) and cache them for 5 minutes', async () => {
    const before = await describeCalls();
    const types = await fx.provider.getInstanceTypes(nodePool);
    const described = await fx.provider.instanceTypes.describeInstanceTypes();
    const pages = (await describeCalls()) - before;

    expect(described.length).toBeGreaterThan(1000);
    // At most 100 per page, as AWS answers: every page was fetched.
    expect(pages).toBe(Math.ceil(described.length / 100));
    expect(new Set(described.map((t) => t.InstanceType)).size).toBe(described.length);
    expect(types.length).toBeGreaterThan(1000);

    await fx.provider.getInstanceTypes(nodePool);
    expect((await describeCalls()) - before).toBe(pages);
    fx.clock.advance(INSTANCE_TYPES_TTL_MS);
    await fx.provider.getInstanceTypes(nodePool);
    expect((await describeCalls()) - before).toBe(2 * pages);
  });

  it('should price offerings from the on-demand table and the spot price history, per zone of the node class', async () => {
    const types = await fx.provider.getInstanceTypes(nodePool);
    const m5 = types.find((t) => t.name === 'm5.large')!;
    const onDemand = await emulatorOnDemandPrices(endpoints);
    const history = await fx.ec2.send(new DescribeSpotPriceHistoryCommand({ InstanceTypes: ['m5.large'] }));

    expect([...new Set(m5.offerings.map((o) => o.zone))].sort()).toEqual(aws.subnets.map((s) => s.zone).sort());
    for (const o of m5.offerings) {
      expect(o.available).toBe(true);
      expect(o.labels?.['topology.k8s.aws/zone-id']).toMatch(/^usw2-az\d$/);
      if (o.capacityType === 'on-demand') expect(o.price).toBe(onDemand['m5.large']);
      else
        expect(o.price).toBe(Number(history.SpotPriceHistory?.find((h) => h.AvailabilityZone === o.zone)?.SpotPrice));
    }
  });

  it('should describe capacity, allocatable and labels as the node will report them', async () => {
    const types = await fx.provider.getInstanceTypes(nodePool);
    const m5 = types.find((t) => t.name === 'm5.large')!;
    expect(m5.capacity).toMatchObject({ cpu: 2000, pods: 29, 'ephemeral-storage': 20 * 1024 ** 3 });
    expect(allocatable(m5)['cpu']).toBe(1930);

    const graviton = types.find((t) => t.name === 'm7g.large')!;
    expect(graviton.requirements).toEqual(
      expect.arrayContaining([{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }])
    );
    const gpu = types.find((t) => t.name === 'g5.xlarge')!;
    expect(gpu.capacity['nvidia.com/gpu']).toBe(1);
    expect(gpu.requirements).toEqual(
      expect.arrayContaining([
        { key: 'karpenter.k8s.aws/instance-gpu-manufacturer', operator: 'In', values: ['nvidia'] },
      ])
    );
  });

  it('should offer only types one of the class AMIs can boot', async () => {
    const armOnly = `arm-${nodeClassName}`;
    await fx.applyNodeClass(
      armOnly,
      discoverySpec('KarpenterNodeRole-it', {
        amiFamily: 'AL2023',
        amiSelectorTerms: [{ name: 'amazon-eks-node-al2023-arm64-standard-1.34-*', owner: '602401143452' }],
      })
    );
    try {
      const types = await fx.provider.getInstanceTypes({
        ...nodePool,
        spec: {
          template: {
            spec: { requirements: [], nodeClassRef: { ...nodePool.spec.template.spec.nodeClassRef, name: armOnly } },
          },
        },
      });
      expect(types.length).toBeGreaterThan(100);
      expect(
        types.every((t) => t.requirements.some((r) => r.key === 'kubernetes.io/arch' && r.values?.[0] === 'arm64'))
      ).toBe(true);
    } finally {
      await deleteInstanceProfile(fx.iam, {
        clusterName: endpoints.clusterName,
        region: aws.region,
        nodeClassName: armOnly,
      });
    }
  });
});
