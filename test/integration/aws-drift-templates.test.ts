import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateSecurityGroupCommand,
  DeleteLaunchTemplateCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
} from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import type { NodeClaimLike } from '../../core/cloudprovider/index.js';
import {
  ec2NodeClassHash,
  NODECLASS_HASH_ANNOTATION,
  NODECLASS_HASH_VERSION,
  NODECLASS_HASH_VERSION_ANNOTATION,
} from '../../adapters/aws/drift.js';
import { deleteInstanceProfile } from '../../adapters/aws/instanceprofile.js';
import { LAUNCH_TEMPLATE_UNUSED_TTL_MS } from '../../adapters/aws/launchtemplate.js';
import type { EC2NodeClassSpec } from '../../adapters/aws/nodeclass.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { awsControl } from './support/aws-control.js';
import { discoverySpec, ensureRole, nodeClaim, providerFixture, type ProviderFixture } from './support/aws-provider.js';

const m5 = () => [
  { key: 'node.kubernetes.io/instance-type', operator: 'In' as const, values: ['m5.large'] },
  { key: 'karpenter.sh/capacity-type', operator: 'In' as const, values: ['on-demand'] },
];

describe('EC2 cloud provider: launch templates and drift on the EC2 emulator', () => {
  const endpoints = loadEndpoints();
  const aws = requirePart(endpoints, 'aws');
  const control = awsControl(endpoints);
  const role = 'KarpenterNodeRole-it';
  const suffix = randomUUID().slice(0, 8);
  const classes: string[] = [];
  const claims: NodeClaimLike[] = [];
  let fx: ProviderFixture;

  const launch = async (nodeClassName: string, options: { nodePool?: string } = {}) => {
    const claim = nodeClaim(nodeClassName, m5(), options);
    claims.push(claim);
    const launched = await fx.provider.create(claim);
    // As the lifecycle records them: the NodeClaim keeps the hash of the class it was launched from.
    claim.metadata.annotations = { ...claim.metadata.annotations, ...launched.annotations };
    return { ...claim, status: { providerID: launched.providerID } } satisfies NodeClaimLike;
  };
  const newClass = async (what: string, spec: EC2NodeClassSpec) => {
    const name = `${what}-${suffix}`;
    classes.push(name);
    await fx.applyNodeClass(name, spec);
    return name;
  };
  const createCalls = async () => (await control.calls())['CreateLaunchTemplate'] ?? 0;

  beforeAll(async () => {
    // Wall-clock start: launch templates made by other suites count from their real creation time.
    fx = await providerFixture(endpoints, { start: Date.now() });
    await ensureRole(fx.iam, role);
  });

  afterAll(async () => {
    for (const claim of claims) await fx.provider.delete(claim).catch(() => undefined);
    for (const name of classes) {
      await fx.provider.launchTemplates.deleteForNodeClass(name);
      await deleteInstanceProfile(fx.iam, {
        clusterName: endpoints.clusterName,
        region: aws.region,
        nodeClassName: name,
      });
    }
  });

  it('should reuse one launch template for equal content, across provider instances, and make a new one when content changes', async () => {
    const spec = discoverySpec(role);
    const name = await newClass('lt', spec);
    const before = await createCalls();

    await launch(name);
    await launch(name);
    expect((await createCalls()) - before).toBe(1);
    const owned = await fx.provider.launchTemplates.listOwned(name);
    expect(owned).toHaveLength(1);
    expect(owned[0]!.name).toMatch(/^karpenter\.k8s\.aws\/[0-9a-f]{32}$/);

    // A restarted worker finds the template by its name instead of creating a duplicate.
    const restarted = fx.freshProvider();
    const claim = nodeClaim(name, m5());
    claims.push(claim);
    await restarted.create(claim);
    expect((await createCalls()) - before).toBe(1);

    // Other NodePool labels mean other user data, so another template.
    await launch(name, { nodePool: 'other-pool' });
    expect(await fx.provider.launchTemplates.listOwned(name)).toHaveLength(2);
  });

  it('should delete launch templates unused for the TTL, and every template of a deleted node class', async () => {
    const spec = discoverySpec(role, { tags: { purpose: 'gc' } });
    const name = await newClass('ltgc', spec);
    await launch(name);
    const [template] = await fx.provider.launchTemplates.listOwned(name);

    fx.clock.advance(LAUNCH_TEMPLATE_UNUSED_TTL_MS - 1);
    expect(await fx.provider.launchTemplates.deleteUnused()).not.toContain(template!.name);
    fx.clock.advance(1);
    expect(await fx.provider.launchTemplates.deleteUnused()).toContain(template!.name);
    expect(await fx.provider.launchTemplates.listOwned(name)).toEqual([]);

    // The next launch recreates it (the cache forgot it with the deletion).
    await launch(name);
    expect(await fx.provider.launchTemplates.listOwned(name)).toHaveLength(1);
    expect(await fx.provider.launchTemplates.deleteForNodeClass(name)).toHaveLength(1);
    expect(await fx.provider.launchTemplates.listOwned(name)).toEqual([]);
  });

  it('should recreate a cached launch template that was deleted behind its back, and launch', async () => {
    const spec = discoverySpec(role, { tags: { purpose: 'deleted-behind' } });
    const name = await newClass('ltgone', spec);
    await launch(name);
    const [template] = await fx.provider.launchTemplates.listOwned(name);
    await fx.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: template!.id }));
    const before = await createCalls();
    const fleetsBefore = (await control.calls())['CreateFleet'] ?? 0;

    const claim = await launch(name);

    expect(claim.status.providerID).toMatch(/^aws:\/\/\//);
    // The first CreateFleet named the deleted template and failed; the template was made again and the retry launched.
    expect(((await control.calls())['CreateFleet'] ?? 0) - fleetsBefore).toBe(2);
    expect((await createCalls()) - before).toBe(1);
    const [recreated] = await fx.provider.launchTemplates.listOwned(name);
    expect(recreated!.name).toBe(template!.name);
    expect(recreated!.id).not.toBe(template!.id);
  });

  it('should tag the instance as Karpenter does and attach the class security groups', async () => {
    const spec = discoverySpec(role, { tags: { team: 'it' } });
    const name = await newClass('tags', spec);
    const claim = await launch(name);
    const id = claim.status.providerID.split('/').pop()!;
    const instance = (await fx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations?.[0]
      ?.Instances?.[0];
    const tags = Object.fromEntries((instance?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toEqual({
      team: 'it',
      [`kubernetes.io/cluster/${endpoints.clusterName}`]: 'owned',
      'eks:eks-cluster-name': endpoints.clusterName,
      'karpenter.k8s.aws/ec2nodeclass': name,
      'karpenter.sh/nodeclaim': claim.metadata.name,
      'karpenter.sh/nodepool': 'it-pool',
    });
    expect(instance?.SecurityGroups?.map((g) => g.GroupId)).toEqual([aws.securityGroupId]);
    const amis = (await fx.nodeClasses.get(name))?.status?.amis ?? [];
    expect(instance?.ImageId).toBe(amis.find((a) => a.name?.includes('-x86_64-standard-'))?.id);
  });

  it('should report AMI drift when the class moves to a newer release', async () => {
    const pinned = discoverySpec(role, { amiSelectorTerms: [{ alias: 'al2023@v20260901' }] });
    const name = await newClass('amidrift', pinned);
    const claim = await launch(name);
    expect(await fx.provider.isDrifted(claim)).toBe('');

    await fx.applyNodeClass(name, discoverySpec(role, { amiSelectorTerms: [{ alias: 'al2023@latest' }] }));
    expect(await fx.provider.isDrifted(claim)).toBe('AMIDrift');
  });

  it('should report subnet, security-group and static drift', async () => {
    const spec = discoverySpec(role);
    const name = await newClass('netdrift', spec);
    const claim = await launch(name);
    expect(await fx.provider.isDrifted(claim)).toBe('');
    const zone = claim.status.providerID.split('/')[3];
    const otherSubnet = aws.subnets.find((s) => s.zone !== zone)!;

    await fx.applyNodeClass(name, { ...spec, subnetSelectorTerms: [{ id: otherSubnet.id }] });
    expect(await fx.provider.isDrifted(claim)).toBe('SubnetDrift');

    const group = await fx.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `drift-${suffix}`, Description: 'drift test', VpcId: aws.vpcId })
    );
    try {
      await fx.applyNodeClass(name, { ...spec, securityGroupSelectorTerms: [{ id: group.GroupId! }] });
      expect(await fx.provider.isDrifted(claim)).toBe('SecurityGroupDrift');
    } finally {
      await fx.ec2.send(new DeleteSecurityGroupCommand({ GroupId: group.GroupId! }));
    }

    expect(claim.metadata.annotations).toEqual({
      [NODECLASS_HASH_ANNOTATION]: ec2NodeClassHash(spec),
      [NODECLASS_HASH_VERSION_ANNOTATION]: NODECLASS_HASH_VERSION,
    });
    await fx.applyNodeClass(name, { ...spec, tags: { changed: 'yes' } });
    expect(await fx.provider.isDrifted(claim)).toBe('NodeClassDrift');
  });
});
