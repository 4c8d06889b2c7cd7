import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CreateFleetCommand,
  CreateLaunchTemplateCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
import { CoreV1Api } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { awsClientConfig, ec2Client, kubeConfigFor } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { awsControl } from './support/aws-control.js';
import { eventually } from './support/wait.js';

describe('the EC2 emulator and the kubelet bridge', () => {
  const endpoints = loadEndpoints();
  const aws = requirePart(endpoints, 'aws');
  const ec2 = ec2Client(aws, 1);
  const ssm = new SSMClient(awsClientConfig(aws));
  const core = kubeConfigFor(requirePart(endpoints, 'kubernetes')).makeApiClient(CoreV1Api);
  const control = awsControl(endpoints);
  const clusterTag = { Key: `kubernetes.io/cluster/${endpoints.clusterName}`, Value: 'owned' };

  afterEach(async () => {
    await control.clearInsufficientCapacity();
    await control.clearFaults();
  });

  async function launchTemplate(userData: string): Promise<string> {
    const imageId = (
      await ssm.send(
        new GetParameterCommand({
          Name: '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id',
        })
      )
    ).Parameter!.Value!;
    const out = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: `smoke-${randomUUID().slice(0, 8)}`,
        LaunchTemplateData: { ImageId: imageId, UserData: Buffer.from(userData).toString('base64') },
      })
    );
    return out.LaunchTemplate!.LaunchTemplateId!;
  }

  function fleet(templateId: string, overrides: { InstanceType: string; SubnetId: string }[]) {
    return new CreateFleetCommand({
      Type: 'instant',
      TargetCapacitySpecification: { TotalTargetCapacity: 1, DefaultTargetCapacityType: 'on-demand' },
      OnDemandOptions: { AllocationStrategy: 'lowest-price' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateId: templateId, Version: '$Latest' },
          Overrides: overrides as never,
        },
      ],
      TagSpecifications: [
        { ResourceType: 'instance', Tags: [clusterTag, { Key: 'karpenter.sh/nodepool', Value: 'smoke' }] },
      ],
    });
  }

  it('launches an instance whose Node the bridge registers with its labels, taints and capacity, and removes on termination', async () => {
    const templateId = await launchTemplate(
      '/etc/eks/bootstrap.sh testbed --kubelet-extra-args "--node-labels=karpenter.sh/nodepool=smoke --register-with-taints=karpenter.sh/unregistered:NoExecute"'
    );
    const subnet = aws.subnets[1]!;
    const out = await ec2.send(fleet(templateId, [{ InstanceType: 'm5.large', SubnetId: subnet.id }]));
    const instanceId = out.Instances![0]!.InstanceIds![0]!;
    const providerID = `aws:///${subnet.zone}/${instanceId}`;

    const node = await eventually('the bridge to register a Ready node', async () => {
      const nodes = await core.listNode();
      const found = nodes.items.find((n) => n.spec?.providerID === providerID);
      return found?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? found : undefined;
    });
    expect(node.metadata?.labels).toMatchObject({
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': subnet.zone,
      'kubernetes.io/arch': 'amd64',
      'karpenter.sh/nodepool': 'smoke',
    });
    // The bootstrap's taint is there (the node lifecycle controller may add node.kubernetes.io/not-ready too).
    expect(node.spec?.taints).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'karpenter.sh/unregistered', effect: 'NoExecute' })])
    );
    // m5.large: 2 vCPU, 3 ENIs x 10 IPv4 -> 29 pods; allocatable below capacity by kube-reserved and eviction.
    expect(node.status?.capacity).toMatchObject({ cpu: '2', pods: '29' });
    expect(node.status?.allocatable?.cpu).toBe('1930m');

    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }));
    await eventually('the node to be deleted after termination', async () => {
      const nodes = await core.listNode();
      return !nodes.items.some((n) => n.spec?.providerID === providerID);
    });
  });

  it('reports injected insufficient capacity to the SDK and launches the next offering', async () => {
    const templateId = await launchTemplate('');
    const subnet = aws.subnets[0]!;
    await control.markInsufficientCapacity([
      { instanceType: 'c5.large', zone: subnet.zone, capacityType: 'on-demand' },
    ]);
    const out = await ec2.send(
      fleet(templateId, [
        { InstanceType: 'c5.large', SubnetId: subnet.id },
        { InstanceType: 'm5.large', SubnetId: subnet.id },
      ])
    );
    expect(out.Errors).toEqual([
      expect.objectContaining({ ErrorCode: 'InsufficientInstanceCapacity', Lifecycle: 'on-demand' }),
    ]);
    expect(out.Errors![0]!.LaunchTemplateAndOverrides?.Overrides?.InstanceType).toBe('c5.large');
    expect(out.Instances?.[0]?.InstanceType).toBe('m5.large');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: out.Instances![0]!.InstanceIds! }));

    await control.markInsufficientCapacity([
      { instanceType: 'm5.large', zone: subnet.zone, capacityType: 'on-demand' },
    ]);
    const none = await ec2.send(fleet(templateId, [{ InstanceType: 'm5.large', SubnetId: subnet.id }]));
    expect(none.Instances ?? []).toEqual([]);
    expect(none.Errors?.map((e) => e.ErrorCode)).toEqual(['InsufficientInstanceCapacity']);
  });

  it('surfaces injected throttling as the SDK error AWS would return', async () => {
    await control.injectFault({ action: 'DescribeInstances', code: 'RequestLimitExceeded', times: 1 });
    await expect(ec2.send(new DescribeInstancesCommand({}))).rejects.toMatchObject({
      name: 'RequestLimitExceeded',
      $metadata: { httpStatusCode: 503 },
    });
    // The fault was for one call only: the next succeeds.
    await expect(ec2.send(new DescribeInstancesCommand({}))).resolves.toBeDefined();
  });
});
