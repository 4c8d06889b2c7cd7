import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateRoleCommand, GetRoleCommand, type IAMClient } from '@aws-sdk/client-iam';

export interface SeededNetwork {
  vpcId: string;
  subnets: { id: string; zone: string }[];
  securityGroupId: string;
}

const ZONES = ['a', 'b', 'c'];

/**
 * The cluster's network as EKS users have it: a VPC with one subnet per zone and a security group, all tagged
 * `karpenter.sh/discovery=<cluster>` so EC2NodeClass selector terms find them. Idempotent: reuses what exists.
 */
export async function seedNetwork(ec2: EC2Client, clusterName: string, region: string): Promise<SeededNetwork> {
  const discovery = { Key: 'karpenter.sh/discovery', Value: clusterName };
  const tagFilter = [{ Name: 'tag:karpenter.sh/discovery', Values: [clusterName] }];
  let vpcId = (await ec2.send(new DescribeVpcsCommand({ Filters: tagFilter }))).Vpcs?.[0]?.VpcId;
  if (!vpcId) {
    vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
    await ec2.send(
      new CreateTagsCommand({ Resources: [vpcId], Tags: [discovery, { Key: 'Name', Value: clusterName }] })
    );
  }
  const existing = (await ec2.send(new DescribeSubnetsCommand({ Filters: tagFilter }))).Subnets ?? [];
  const subnets: { id: string; zone: string }[] = existing.map((s) => ({ id: s.SubnetId!, zone: s.AvailabilityZone! }));
  for (const [i, suffix] of ZONES.entries()) {
    const zone = `${region}${suffix}`;
    if (subnets.some((s) => s.zone === zone)) continue;
    const subnet = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${i * 64}.0/18`, AvailabilityZone: zone })
    );
    const id = subnet.Subnet!.SubnetId!;
    await ec2.send(
      new CreateTagsCommand({ Resources: [id], Tags: [discovery, { Key: 'Name', Value: `${clusterName}-${zone}` }] })
    );
    subnets.push({ id, zone });
  }
  let securityGroupId = (await ec2.send(new DescribeSecurityGroupsCommand({ Filters: tagFilter }))).SecurityGroups?.[0]
    ?.GroupId;
  if (!securityGroupId) {
    securityGroupId = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: `${clusterName}-nodes`,
          Description: 'cluster nodes',
          VpcId: vpcId,
        })
      )
    ).GroupId!;
    await ec2.send(new CreateTagsCommand({ Resources: [securityGroupId], Tags: [discovery] }));
  }
  subnets.sort((a, b) => a.zone.localeCompare(b.zone));
  return { vpcId, subnets, securityGroupId };
}

/** The node IAM role an EC2NodeClass names with `role` (Karpenter creates the instance profile from it). */
export async function seedNodeRole(iam: IAMClient, clusterName: string): Promise<string> {
  const roleName = `KarpenterNodeRole-${clusterName}`;
  try {
    await iam.send(new GetRoleCommand({ RoleName: roleName }));
  } catch {
    await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      })
    );
  }
  return roleName;
}

/** The test bed's EC2NodeClass: its seeded network by discovery tag, AL2023 through the emulator's SSM alias. */
export function testbedNodeClass(clusterName: string, nodeRole: string, name = 'default') {
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name },
    spec: {
      role: nodeRole,
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': clusterName } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': clusterName } }],
    },
  };
}
