import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeInstanceAttributeCommand, DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { CoreV1Api } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import type { NodeClaimLike } from '../../core/cloudprovider/index.js';
import { deleteInstanceProfile } from '../../adapters/aws/instanceprofile.js';
import { kubeConfigFor } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { awsControl } from './support/aws-control.js';
import { discoverySpec, ensureRole, nodeClaim, providerFixture, type ProviderFixture } from './support/aws-provider.js';
import { eventually } from './support/wait.js';

describe('EC2 cloud provider: create, get, list, delete on the EC2 emulator', () => {
  const endpoints = loadEndpoints();
  const control = awsControl(endpoints);
  const core = kubeConfigFor(requirePart(endpoints, 'kubernetes')).makeApiClient(CoreV1Api);
  const nodeClassName = `launch-${randomUUID().slice(0, 8)}`;
  let fx: ProviderFixture;
  const created: NodeClaimLike[] = [];

  const instancesTagged = async (nodeClaimName: string) => {
    const out = await fx.ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          { Name: 'tag:karpenter.sh/nodeclaim', Values: [nodeClaimName] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      })
    );
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  };

  beforeAll(async () => {
    fx = await providerFixture(endpoints);
    await ensureRole(fx.iam, 'KarpenterNodeRole-it');
    const nodeClass = await fx.applyNodeClass(nodeClassName, discoverySpec('KarpenterNodeRole-it'));
    expect(nodeClass.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  afterEach(async () => {
    await control.clearInsufficientCapacity();
    await control.clearFaults();
  });

  afterAll(async () => {
    for (const claim of created) {
      try {
        await fx.provider.delete(claim);
      } catch {
        // already gone
      }
    }
    await fx.provider.launchTemplates.deleteForNodeClass(nodeClassName);
    await deleteInstanceProfile(fx.iam, { clusterName: endpoints.clusterName, region: 'us-west-2', nodeClassName });
  });

  const onDemand = (types: string[]): NodeClaimLike['spec']['requirements'] => [
    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: types },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
  ];

  it('should launch one instance for a nodeclaim and adopt it when create is repeated', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['m5.large']), {
      taints: [{ key: 'dedicated', value: 'it', effect: 'NoSchedule' }],
    });
    created.push(claim);
    const before = (await control.calls())['CreateFleet'] ?? 0;

    const first = await fx.provider.create(claim);
    const again = await fx.provider.create(claim);
    const fromFreshProvider = await fx.freshProvider().create(claim);

    expect(again.providerID).toBe(first.providerID);
    expect(fromFreshProvider.providerID).toBe(first.providerID);
    expect(await instancesTagged(claim.metadata.name)).toHaveLength(1);
    // The repeats were answered by the tag look-up: EC2 saw exactly one launch.
    expect(((await control.calls())['CreateFleet'] ?? 0) - before).toBe(1);
    expect(first.labels).toMatchObject({
      'node.kubernetes.io/instance-type': 'm5.large',
      'karpenter.sh/capacity-type': 'on-demand',
      'kubernetes.io/arch': 'amd64',
      'karpenter.k8s.aws/instance-family': 'm5',
      'topology.kubernetes.io/region': 'us-west-2',
    });
    expect(first.capacity).toMatchObject({ cpu: 2000, pods: 29 });
    expect(first.allocatable['cpu']).toBe(1930);
  });

  it('should launch once when two workers race past the tag look-up, because the ClientToken is the nodeclaim uid', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['c5.large']));
    created.push(claim);
    const before = (await control.calls())['CreateFleet'] ?? 0;

    // Two providers with no shared state; both look up before either launches.
    const [a, b] = await Promise.all([fx.freshProvider().create(claim), fx.freshProvider().create(claim)]);

    expect(a.providerID).toBe(b.providerID);
    expect(await instancesTagged(claim.metadata.name)).toHaveLength(1);
    // Both reached EC2 (the look-ups ran while neither had launched); the token made the second a replay.
    expect(((await control.calls())['CreateFleet'] ?? 0) - before).toBe(2);
  });

  it('should adopt by tag even when the ClientToken cannot help (a NodeClaim of the same name with another uid)', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['c5.xlarge']));
    created.push(claim);
    const first = await fx.provider.create(claim);
    const before = (await control.calls())['CreateFleet'] ?? 0;

    const otherToken = { ...claim, metadata: { ...claim.metadata, uid: randomUUID() } };
    const again = await fx.freshProvider().create(otherToken);

    expect(again.providerID).toBe(first.providerID);
    expect(((await control.calls())['CreateFleet'] ?? 0) - before).toBe(0);
    expect(await instancesTagged(claim.metadata.name)).toHaveLength(1);
  });

  it('should register a Node with the nodeclaim labels, its taints and the unregistered taint from the user data', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['m5.xlarge']), {
      taints: [{ key: 'dedicated', value: 'it', effect: 'NoSchedule' }],
      nodePool: 'bridge-pool',
    });
    created.push(claim);
    const launched = await fx.provider.create(claim);
    const instanceId = launched.providerID.split('/').pop()!;
    const userData = await fx.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'userData' })
    );
    expect(Buffer.from(userData.UserData?.Value ?? '', 'base64').toString()).toContain('kind: NodeConfig');

    const node = await eventually('the bridge to register the node', async () => {
      const nodes = await core.listNode();
      return nodes.items.find((n) => n.spec?.providerID === launched.providerID);
    });
    expect(node.metadata?.labels).toMatchObject({
      'karpenter.sh/nodepool': 'bridge-pool',
      'karpenter.sh/capacity-type': 'on-demand',
      'node.kubernetes.io/instance-type': 'm5.xlarge',
    });
    expect(node.spec?.taints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }),
        expect.objectContaining({ key: 'dedicated', value: 'it', effect: 'NoSchedule' }),
      ])
    );
    // The provider's estimate is what the (bridge's) kubelet reports.
    expect(node.status?.capacity?.['pods']).toBe(String(launched.capacity['pods']));
    expect(node.status?.allocatable?.['cpu']).toBe(`${launched.allocatable['cpu']}m`);
  });

  it.each([
    ['m7g.large', '-arm64-standard-'],
    ['g5.xlarge', '-x86_64-nvidia-'],
    ['c5.large', '-x86_64-standard-'],
  ])('should boot %s from the AMI variant that fits it (%s)', async (instanceType, variant) => {
    const claim = nodeClaim(nodeClassName, onDemand([instanceType]));
    created.push(claim);
    const launched = await fx.provider.create(claim);
    const amis = (await fx.nodeClasses.get(nodeClassName))?.status?.amis ?? [];
    expect(amis.find((a) => a.id === launched.imageID)?.name).toContain(variant);
    const id = launched.providerID.split('/').pop()!;
    const described = await fx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(described.Reservations?.[0]?.Instances?.[0]?.ImageId).toBe(launched.imageID);
  });

  it('should bootstrap a Bottlerocket node whose TOML settings register its labels and taints', async () => {
    const bottlerocketClass = `br-${nodeClassName}`;
    await fx.applyNodeClass(
      bottlerocketClass,
      discoverySpec('KarpenterNodeRole-it', { amiSelectorTerms: [{ alias: 'bottlerocket@latest' }] })
    );
    const claim = nodeClaim(bottlerocketClass, onDemand(['m5.large']), {
      nodePool: 'br-pool',
      taints: [{ key: 'os', value: 'bottlerocket', effect: 'NoSchedule' }],
    });
    created.push(claim);
    try {
      const launched = await fx.provider.create(claim);
      const id = launched.providerID.split('/').pop()!;
      const userData = await fx.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' })
      );
      expect(Buffer.from(userData.UserData?.Value ?? '', 'base64').toString()).toContain(
        '[settings.kubernetes.node-labels]'
      );

      const node = await eventually('the bridge to register the Bottlerocket node', async () => {
        const nodes = await core.listNode();
        return nodes.items.find((n) => n.spec?.providerID === launched.providerID);
      });
      expect(node.metadata?.labels).toMatchObject({
        'karpenter.sh/nodepool': 'br-pool',
        'karpenter.sh/capacity-type': 'on-demand',
      });
      expect(node.spec?.taints).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }),
          expect.objectContaining({ key: 'os', value: 'bottlerocket', effect: 'NoSchedule' }),
        ])
      );
    } finally {
      await fx.provider.delete(claim).catch(() => undefined);
      await fx.provider.launchTemplates.deleteForNodeClass(bottlerocketClass);
      await deleteInstanceProfile(fx.iam, {
        clusterName: endpoints.clusterName,
        region: 'us-west-2',
        nodeClassName: bottlerocketClass,
      });
    }
  });

  it('should tag a registered instance with its node name, as Karpenter tagging controller does', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['t3.small']));
    created.push(claim);
    const launched = await fx.provider.create(claim);
    const id = launched.providerID.split('/').pop()!;

    await fx.provider.tagRegisteredInstance(
      launched.providerID,
      'ip-10-0-0-1.us-west-2.compute.internal',
      claim.metadata.name
    );
    await fx.provider.tagRegisteredInstance(
      launched.providerID,
      'ip-10-0-0-1.us-west-2.compute.internal',
      claim.metadata.name
    );

    const described = await fx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    const tags = described.Reservations?.[0]?.Instances?.[0]?.Tags ?? [];
    expect(tags.filter((t) => t.Key === 'Name')).toEqual([
      { Key: 'Name', Value: 'ip-10-0-0-1.us-west-2.compute.internal' },
    ]);
    await expect(
      fx.provider.tagRegisteredInstance('aws:///us-west-2a/i-00000000000000000', 'x', 'y')
    ).rejects.toMatchObject({
      type: 'NodeClaimNotFound',
    });
  });

  it('should get and list a launched instance, and delete it until NodeClaimNotFound', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['t3.large']));
    created.push(claim);
    const launched = await fx.provider.create(claim);
    const withStatus: NodeClaimLike = { ...claim, status: { providerID: launched.providerID } };

    await expect(fx.provider.get(launched.providerID)).resolves.toMatchObject({
      providerID: launched.providerID,
      nodeClaimName: claim.metadata.name,
      nodePoolName: 'it-pool',
      instanceType: 't3.large',
      capacityType: 'on-demand',
    });
    expect((await fx.provider.list()).map((i) => i.providerID)).toContain(launched.providerID);

    await fx.provider.delete(withStatus);
    await expect(fx.provider.get(launched.providerID)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
    await expect(fx.provider.delete(withStatus)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
    expect((await fx.provider.list()).map((i) => i.providerID)).not.toContain(launched.providerID);
  });

  it('should find and delete the instance of a nodeclaim whose launch answer was lost (no providerID yet)', async () => {
    const claim = nodeClaim(nodeClassName, onDemand(['t3.medium']));
    created.push(claim);
    const launched = await fx.provider.create(claim);

    await fx.provider.delete(claim);

    await expect(fx.provider.get(launched.providerID)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
    await expect(fx.provider.delete(claim)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
  });
});
