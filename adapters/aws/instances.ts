/**
 * EC2 instances of this cluster (Karpenter `pkg/providers/instance`): find by NodeClaim tag, get by id, list by
 * cluster tag, tag, terminate. Terminated instances count as gone (EC2 keeps listing them for about an hour).
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { AwsApiError, call, isNotFound } from './errors.js';
import { TAG, clusterTagKey, fromEc2Tags, type Tags } from './tags.js';

/**
 * States of an instance that still exists or may still come up. `shutting-down` counts as gone, as in Karpenter:
 * termination is under way and cannot be undone, so delete is done and there is nothing to adopt or collect.
 */
export const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

export interface Ec2Instance {
  id: string;
  instanceType: string;
  zone: string;
  capacityType: 'spot' | 'on-demand';
  imageId?: string;
  subnetId?: string;
  securityGroupIds: string[];
  state: string;
  launchTime: string;
  tags: Tags;
}

export function toEc2Instance(instance: Instance): Ec2Instance {
  return {
    id: instance.InstanceId ?? '',
    instanceType: instance.InstanceType ?? '',
    zone: instance.Placement?.AvailabilityZone ?? '',
    capacityType: instance.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand',
    ...(instance.ImageId !== undefined ? { imageId: instance.ImageId } : {}),
    ...(instance.SubnetId !== undefined ? { subnetId: instance.SubnetId } : {}),
    securityGroupIds: (instance.SecurityGroups ?? []).map((g) => g.GroupId ?? '').filter((g) => g !== ''),
    state: instance.State?.Name ?? 'unknown',
    launchTime: (instance.LaunchTime ?? new Date(0)).toISOString(),
    tags: fromEc2Tags(instance.Tags),
  };
}

/** `aws:///us-west-2a/i-0123` → `i-0123`; undefined when it is not an AWS provider id. */
export function instanceIdOf(providerID: string): string | undefined {
  const match = /^aws:\/\/\/[^/]*\/(i-[0-9a-z]+)$/.exec(providerID);
  return match?.[1];
}

export const providerIdOf = (zone: string, instanceId: string): string => `aws:///${zone}/${instanceId}`;

export class InstanceProvider {
  constructor(
    private readonly ec2: EC2Client,
    private readonly clusterName: string
  ) {}

  private async describe(
    filters: { Name: string; Values: string[] }[],
    instanceIds?: string[]
  ): Promise<Ec2Instance[]> {
    const out: Ec2Instance[] = [];
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeInstances', () =>
        this.ec2.send(
          new DescribeInstancesCommand({
            Filters: filters,
            ...(instanceIds !== undefined ? { InstanceIds: instanceIds } : { MaxResults: 1000 }),
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) out.push(toEc2Instance(instance));
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return out;
  }

  private ownedFilters(): { Name: string; Values: string[] }[] {
    return [
      { Name: 'tag-key', Values: [clusterTagKey(this.clusterName)] },
      { Name: 'instance-state-name', Values: [...LIVE_STATES] },
    ];
  }

  /**
   * The live instance already launched for this NodeClaim, if any: the look-up that makes a repeated create adopt
   * instead of launching again, whatever EC2 does with the ClientToken. The oldest wins if there are several.
   */
  async findByNodeClaim(nodeClaimName: string): Promise<Ec2Instance | undefined> {
    const found = await this.describe([
      ...this.ownedFilters(),
      { Name: `tag:${TAG.nodeClaim}`, Values: [nodeClaimName] },
    ]);
    return found.sort((a, b) => a.launchTime.localeCompare(b.launchTime) || (a.id < b.id ? -1 : 1))[0];
  }

  /** The instance, or undefined when it does not exist, is terminated, or is not this cluster's. */
  async get(instanceId: string): Promise<Ec2Instance | undefined> {
    try {
      const [instance] = await this.describe([], [instanceId]);
      if (instance === undefined) return undefined;
      if (!(LIVE_STATES as readonly string[]).includes(instance.state)) return undefined;
      if (instance.tags[clusterTagKey(this.clusterName)] === undefined) return undefined;
      return instance;
    } catch (error) {
      if (error instanceof AwsApiError && isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Every live instance this cluster's provider launched (tagged with a NodeClaim and the cluster). */
  async list(): Promise<Ec2Instance[]> {
    return this.describe([...this.ownedFilters(), { Name: 'tag-key', Values: [TAG.nodeClaim] }]);
  }

  /** Adds tags (CreateTags overwrites a key's value, so a repeat is a no-op); false when the instance is gone. */
  async tag(instanceId: string, tags: Tags): Promise<boolean> {
    try {
      await call('ec2:CreateTags', () =>
        this.ec2.send(
          new CreateTagsCommand({
            Resources: [instanceId],
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
          })
        )
      );
      return true;
    } catch (error) {
      if (error instanceof AwsApiError && isNotFound(error)) return false;
      throw error;
    }
  }

  /** Terminates; returns false when the instance was already gone. */
  async terminate(instanceId: string): Promise<boolean> {
    try {
      await call('ec2:TerminateInstances', () =>
        this.ec2.send(new TerminateInstancesCommand({ InstanceIds: [instanceId] }))
      );
      return true;
    } catch (error) {
      if (error instanceof AwsApiError && isNotFound(error)) return false;
      throw error;
    }
  }
}
