/**
 * Resolves an EC2NodeClass against AWS (subnets, security groups, AMIs, instance profile) and returns the status
 * the caller writes (`nodeClassStatus`). An empty selector is a NotReady condition naming that selector, never an
 * exception; an AWS failure of one dependency is that dependency's condition, so one slow API does not hide the
 * others.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { resolveAmis } from './amis.js';
import type { Clock } from './clock.js';
import { ensureInstanceProfile, verifyInstanceProfile } from './instanceprofile.js';
import type { EC2NodeClass, EC2NodeClassStatus } from './nodeclass.js';
import { emptySelectorMessage, nodeClassStatus, type Resolution } from './nodeclass-status.js';
import { resolveSecurityGroups } from './securitygroups.js';
import { resolveSubnets } from './subnets.js';

export interface NodeClassResolverDeps {
  ec2: EC2Client;
  ssm: SSMClient;
  iam: IAMClient;
  clusterName: string;
  region: string;
  /** `major.minor` of the cluster (e.g. `1.34`); picks the EKS/Bottlerocket AMI parameters of an alias. */
  kubernetesVersion: string;
  clock: Clock;
}

async function attempt<T>(
  run: () => Promise<T>,
  empty: (value: T) => { reason: string; message: string } | undefined,
  failedReason: string
): Promise<Resolution<T>> {
  try {
    const value = await run();
    const problem = empty(value);
    return problem === undefined ? { value } : { error: problem };
  } catch (error) {
    return { error: { reason: failedReason, message: error instanceof Error ? error.message : String(error) } };
  }
}

export async function resolveNodeClass(
  deps: NodeClassResolverDeps,
  nodeClass: EC2NodeClass
): Promise<EC2NodeClassStatus> {
  const spec = nodeClass.spec;
  const name = nodeClass.metadata.name ?? '';
  const now = deps.clock.now();
  const [subnets, securityGroups, amis, instanceProfile] = await Promise.all([
    attempt(
      () => resolveSubnets(deps.ec2, spec.subnetSelectorTerms),
      (v) =>
        v.length === 0
          ? {
              reason: 'SubnetsNotFound',
              message: emptySelectorMessage('SubnetSelector', 'Subnets', spec.subnetSelectorTerms),
            }
          : undefined,
      'SubnetsResolutionFailed'
    ),
    attempt(
      () => resolveSecurityGroups(deps.ec2, spec.securityGroupSelectorTerms),
      (v) =>
        v.length === 0
          ? {
              reason: 'SecurityGroupsNotFound',
              message: emptySelectorMessage('SecurityGroupSelector', 'SecurityGroups', spec.securityGroupSelectorTerms),
            }
          : undefined,
      'SecurityGroupsResolutionFailed'
    ),
    attempt(
      () => resolveAmis(deps.ec2, deps.ssm, spec.amiSelectorTerms, deps.kubernetesVersion, now),
      (v) =>
        v.length === 0
          ? { reason: 'AMINotFound', message: emptySelectorMessage('AMISelector', 'AMIs', spec.amiSelectorTerms) }
          : undefined,
      'AMIsResolutionFailed'
    ),
    attempt(
      async () => {
        if (spec.role !== undefined) {
          return ensureInstanceProfile(deps.iam, {
            clusterName: deps.clusterName,
            region: deps.region,
            nodeClassName: name,
            role: spec.role,
          });
        }
        return (
          (spec.instanceProfile !== undefined
            ? await verifyInstanceProfile(deps.iam, spec.instanceProfile)
            : undefined) ?? ''
        );
      },
      (v) =>
        v === ''
          ? {
              reason: 'InstanceProfileNotFound',
              message:
                spec.instanceProfile !== undefined
                  ? `instance profile ${spec.instanceProfile} does not exist`
                  : 'neither role nor instanceProfile is set',
            }
          : undefined,
      'InstanceProfileReconcileFailed'
    ),
  ]);
  return nodeClassStatus(nodeClass, { subnets, securityGroups, amis, instanceProfile }, new Date(now).toISOString());
}
