import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { GetInstanceProfileCommand } from '@aws-sdk/client-iam';
import { ApiextensionsV1Api, CustomObjectsApi, type V1CustomResourceDefinition } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parse } from 'yaml';
import { createNodeClassReconciler } from '../../adapters/aws/nodeclass-reconciler.js';
import { createAwsCloudProvider } from '../../adapters/aws/cloudprovider.js';
import { ec2NodeClassHash, NODECLASS_HASH_ANNOTATION } from '../../adapters/aws/drift.js';
import { deleteInstanceProfile, instanceProfileName } from '../../adapters/aws/instanceprofile.js';
import type { EC2NodeClass, EC2NodeClassStatus } from '../../adapters/aws/nodeclass.js';
import { resolveNodeClass } from '../../adapters/aws/nodeclass-resolver.js';
import {
  EC2NODECLASS_RESOURCE,
  kubernetesNodeClasses,
  writeNodeClassStatus,
} from '../../adapters/aws/nodeclass-store.js';
import { staticOnDemandPrices } from '../../adapters/aws/pricing.js';
import { kubeConfigFor } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { awsControl } from './support/aws-control.js';
import {
  discoverySpec,
  emulatorOnDemandPrices,
  ensureRole,
  KUBERNETES_VERSION,
  nodeClaim,
  providerFixture,
  type ProviderFixture,
} from './support/aws-provider.js';
import { eventually } from './support/wait.js';

const condition = (status: EC2NodeClassStatus | undefined, type: string) =>
  status?.conditions?.find((c) => c.type === type);

describe('EC2NodeClass resolution on the EC2 emulator', () => {
  const endpoints = loadEndpoints();
  const aws = requirePart(endpoints, 'aws');
  const control = awsControl(endpoints);
  const kubeConfig = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
  const role = 'KarpenterNodeRole-nodeclass-it';
  const suffix = randomUUID().slice(0, 8);
  const names: string[] = [];
  let fx: ProviderFixture;
  const name = (what: string) => {
    const n = `${what}-${suffix}`;
    names.push(n);
    return n;
  };

  /** The test bed may install the project's CRDs itself; if not, install the EC2NodeClass one from deploy/crds. */
  async function nodeClassApi(): Promise<CustomObjectsApi> {
    const extensions = kubeConfig.makeApiClient(ApiextensionsV1Api);
    const objects = kubeConfig.makeApiClient(CustomObjectsApi);
    const crd = parse(
      readFileSync(new URL('../../deploy/crds/karpenter.k8s.aws_ec2nodeclasses.yaml', import.meta.url), 'utf8')
    ) as V1CustomResourceDefinition;
    await extensions.createCustomResourceDefinition({ body: crd }).catch((e: { code?: number }) => {
      if (e.code !== 409) throw e;
    });
    await eventually('the EC2NodeClass CRD to be served', async () => {
      await objects.listClusterCustomObject({ ...EC2NODECLASS_RESOURCE });
      return true;
    });
    return objects;
  }

  beforeAll(async () => {
    fx = await providerFixture(endpoints);
    await ensureRole(fx.iam, role);
  });

  afterEach(async () => {
    await control.clearInsufficientCapacity();
    await control.clearFaults();
  });

  afterAll(async () => {
    for (const n of names) {
      await deleteInstanceProfile(fx.iam, { clusterName: endpoints.clusterName, region: aws.region, nodeClassName: n });
    }
  });

  it('should resolve the discovery-tagged network, al2023@latest and a role into a Ready status', async () => {
    const nodeClassName = name('ready');
    const nodeClass = await fx.applyNodeClass(nodeClassName, discoverySpec(role));
    const status = nodeClass.status!;

    expect(status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['SubnetsReady', 'True'],
      ['SecurityGroupsReady', 'True'],
      ['AMIsReady', 'True'],
      ['InstanceProfileReady', 'True'],
      ['Ready', 'True'],
    ]);
    expect(status.subnets?.map((s) => s.id).sort()).toEqual(aws.subnets.map((s) => s.id).sort());
    expect(status.subnets?.every((s) => s.zoneID?.startsWith('usw2-az'))).toBe(true);
    expect(status.securityGroups).toEqual([expect.objectContaining({ id: aws.securityGroupId })]);
    expect(status.amis?.map((a) => a.name)).toEqual(
      expect.arrayContaining([
        `amazon-eks-node-al2023-x86_64-standard-${KUBERNETES_VERSION}-v20261015`,
        `amazon-eks-node-al2023-arm64-standard-${KUBERNETES_VERSION}-v20261015`,
        `amazon-eks-node-al2023-x86_64-nvidia-${KUBERNETES_VERSION}-v20261015`,
      ])
    );
    // The instance profile exists in IAM, with the role attached, and resolving again changes nothing.
    expect(status.instanceProfile).toBe(instanceProfileName(endpoints.clusterName, aws.region, nodeClassName));
    const profile = await fx.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: status.instanceProfile }));
    expect(profile.InstanceProfile?.Roles?.map((r) => r.RoleName)).toEqual([role]);
    fx.clock.advance(60_000);
    const again = await fx.applyNodeClass(nodeClassName, discoverySpec(role));
    expect(again.status?.instanceProfile).toBe(status.instanceProfile);
    expect(condition(again.status, 'Ready')?.lastTransitionTime).toBe(condition(status, 'Ready')?.lastTransitionTime);
  });

  it('should resolve a pinned AL2023 release, Bottlerocket, and AMIs by name and owner or by id', async () => {
    const pinned = await fx.applyNodeClass(
      name('pinned'),
      discoverySpec(role, { amiSelectorTerms: [{ alias: 'al2023@v20260901' }] })
    );
    expect(pinned.status?.amis?.every((a) => a.name?.endsWith('-v20260901'))).toBe(true);

    const bottlerocket = await fx.applyNodeClass(
      name('br'),
      discoverySpec(role, { amiSelectorTerms: [{ alias: 'bottlerocket@latest' }] })
    );
    expect(bottlerocket.status?.amis).toHaveLength(4);
    expect(bottlerocket.status?.amis?.every((a) => a.name?.includes('v1.50.0'))).toBe(true);

    const byName = await fx.applyNodeClass(
      name('byname'),
      discoverySpec(role, {
        amiFamily: 'AL2023',
        amiSelectorTerms: [
          { name: `amazon-eks-node-al2023-x86_64-standard-${KUBERNETES_VERSION}-*`, owner: '602401143452' },
        ],
      })
    );
    // Both releases match the name; the newest wins for its requirement set (amd64).
    expect(byName.status?.amis?.map((a) => a.name)).toEqual([
      `amazon-eks-node-al2023-x86_64-standard-${KUBERNETES_VERSION}-v20261015`,
    ]);

    const byId = await fx.applyNodeClass(
      name('byid'),
      discoverySpec(role, { amiFamily: 'AL2023', amiSelectorTerms: [{ id: pinned.status!.amis![0]!.id }] })
    );
    expect(byId.status?.amis?.map((a) => a.id)).toEqual([pinned.status!.amis![0]!.id]);
  });

  it.each([
    [
      'SubnetsReady',
      'SubnetSelector',
      { subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'nothing-here' } }] },
    ],
    ['SecurityGroupsReady', 'SecurityGroupSelector', { securityGroupSelectorTerms: [{ name: 'no-such-group' }] }],
    ['AMIsReady', 'AMISelector', { amiSelectorTerms: [{ alias: 'al2023@v19990101' }] }],
  ])(
    'should set %s False naming the empty %s, and launch nothing for a NodeClaim of that class',
    async (conditionType, selector, override) => {
      const nodeClassName = name(`empty-${conditionType.toLowerCase()}`);
      const nodeClass = await fx.applyNodeClass(nodeClassName, discoverySpec(role, override));

      expect(condition(nodeClass.status, conditionType)).toMatchObject({ status: 'False' });
      expect(condition(nodeClass.status, conditionType)?.message).toContain(`${selector} did not match any`);
      expect(condition(nodeClass.status, conditionType)?.message).toContain(JSON.stringify(Object.values(override)[0]));
      expect(condition(nodeClass.status, 'Ready')).toMatchObject({ status: 'False', reason: 'UnhealthyDependents' });

      const before = await control.calls();
      await expect(fx.provider.create(nodeClaim(nodeClassName, []))).rejects.toMatchObject({
        type: 'NodeClassNotReady',
      });
      const after = await control.calls();
      expect(after['CreateFleet'] ?? 0).toBe(before['CreateFleet'] ?? 0);
      expect(after['CreateLaunchTemplate'] ?? 0).toBe(before['CreateLaunchTemplate'] ?? 0);
      expect(
        await fx.provider.getInstanceTypes({
          metadata: { name: 'p' },
          spec: {
            template: {
              spec: {
                requirements: [],
                nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClassName },
              },
            },
          },
        })
      ).toEqual([]);
    }
  );

  it('should set InstanceProfileReady False for an instanceProfile that does not exist', async () => {
    const spec = discoverySpec(role);
    delete spec.role;
    spec.instanceProfile = 'no-such-profile';
    const nodeClass = await fx.applyNodeClass(name('noprofile'), spec);
    expect(condition(nodeClass.status, 'InstanceProfileReady')).toMatchObject({
      status: 'False',
      reason: 'InstanceProfileNotFound',
      message: 'instance profile no-such-profile does not exist',
    });
  });

  it('should write the status to the EC2NodeClass object and refuse launches from it while NotReady', async () => {
    const objects = await nodeClassApi();

    const nodeClassName = name('kube');
    await objects.createClusterCustomObject({
      ...EC2NODECLASS_RESOURCE,
      body: {
        apiVersion: 'karpenter.k8s.aws/v1',
        kind: 'EC2NodeClass',
        metadata: { name: nodeClassName },
        spec: discoverySpec(role, { subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'nothing-here' } }] }),
      },
    });
    try {
      const source = kubernetesNodeClasses(objects);
      const stored = (await source.get(nodeClassName)) as EC2NodeClass;
      const status = await resolveNodeClass(
        {
          ec2: fx.ec2,
          ssm: fx.ssm,
          iam: fx.iam,
          clusterName: endpoints.clusterName,
          region: aws.region,
          kubernetesVersion: KUBERNETES_VERSION,
          clock: fx.clock,
        },
        stored
      );
      await writeNodeClassStatus(objects, nodeClassName, status);
      await writeNodeClassStatus(objects, nodeClassName, status); // idempotent

      const read = await source.get(nodeClassName);
      expect(condition(read?.status, 'SubnetsReady')).toMatchObject({ status: 'False', reason: 'SubnetsNotFound' });
      expect(condition(read?.status, 'Ready')).toMatchObject({ status: 'False' });
      expect(read?.status?.securityGroups).toEqual([expect.objectContaining({ id: aws.securityGroupId })]);

      const provider = createAwsCloudProvider({
        ec2: fx.ec2,
        ssm: fx.ssm,
        iam: fx.iam,
        clusterName: endpoints.clusterName,
        clusterEndpoint: 'https://127.0.0.1:6443',
        region: aws.region,
        nodeClasses: source,
        onDemandPrices: staticOnDemandPrices(await emulatorOnDemandPrices(endpoints)),
        clock: fx.clock,
      });
      const before = (await control.calls())['CreateFleet'] ?? 0;
      await expect(provider.create(nodeClaim(nodeClassName, []))).rejects.toMatchObject({
        type: 'NodeClassNotReady',
        message: expect.stringContaining('SubnetSelector did not match any Subnets'),
      });
      expect((await control.calls())['CreateFleet'] ?? 0).toBe(before);
      await expect(provider.create(nodeClaim(`missing-${suffix}`, []))).rejects.toMatchObject({
        type: 'NodeClassNotReady',
      });
    } finally {
      await objects.deleteClusterCustomObject({ ...EC2NODECLASS_RESOURCE, name: nodeClassName });
    }
  });

  it('should reconcile an EC2NodeClass object through the activities, launch from it, and finalize it', async () => {
    const objects = await nodeClassApi();
    const nodeClassName = name('activity');
    const activities = createNodeClassReconciler({
      ec2: fx.ec2,
      ssm: fx.ssm,
      iam: fx.iam,
      clusterName: endpoints.clusterName,
      region: aws.region,
      kubernetesVersion: KUBERNETES_VERSION,
      clock: fx.clock,
      objects,
    });
    expect(await activities.reconcileNodeClassStatus(`missing-${suffix}`)).toBeNull();
    await objects.createClusterCustomObject({
      ...EC2NODECLASS_RESOURCE,
      body: {
        apiVersion: 'karpenter.k8s.aws/v1',
        kind: 'EC2NodeClass',
        metadata: { name: nodeClassName },
        spec: discoverySpec(role),
      },
    });
    try {
      expect(await activities.reconcileNodeClassStatus(nodeClassName)).toEqual({ ready: true, message: '' });
      expect(await activities.reconcileNodeClassStatus(nodeClassName)).toEqual({ ready: true, message: '' });
      const stored = (await kubernetesNodeClasses(objects).get(nodeClassName))!;
      expect(condition(stored.status, 'Ready')?.status).toBe('True');
      expect(stored.metadata.annotations?.[NODECLASS_HASH_ANNOTATION]).toBe(ec2NodeClassHash(stored.spec));

      const provider = createAwsCloudProvider({
        ec2: fx.ec2,
        ssm: fx.ssm,
        iam: fx.iam,
        clusterName: endpoints.clusterName,
        clusterEndpoint: 'https://127.0.0.1:6443',
        region: aws.region,
        nodeClasses: kubernetesNodeClasses(objects),
        onDemandPrices: staticOnDemandPrices(await emulatorOnDemandPrices(endpoints)),
        clock: fx.clock,
      });
      const claim = nodeClaim(nodeClassName, [
        { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      ]);
      const launched = await provider.create(claim);
      await provider.delete({ ...claim, status: { providerID: launched.providerID } });

      const finalized = await activities.finalizeNodeClass(nodeClassName, true);
      expect(finalized.launchTemplates).toHaveLength(1);
      await expect(
        fx.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: stored.status!.instanceProfile! }))
      ).rejects.toMatchObject({ name: expect.stringMatching(/^NoSuchEntity/) });
      expect(await activities.finalizeNodeClass(nodeClassName, true)).toEqual({ launchTemplates: [] });
    } finally {
      await objects.deleteClusterCustomObject({ ...EC2NODECLASS_RESOURCE, name: nodeClassName });
    }
  });
});
