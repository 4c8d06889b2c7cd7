/**
 * The instance profile of a node class (Karpenter `pkg/providers/instanceprofile`). With `instanceProfile` it is
 * only checked; with `role` Karpenter owns one: named from the cluster, region and node class, created when
 * missing, its role (re)attached when it differs, deleted with the node class. Every step is idempotent.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteInstanceProfileCommand,
  GetInstanceProfileCommand,
  RemoveRoleFromInstanceProfileCommand,
  type IAMClient,
  type InstanceProfile,
} from '@aws-sdk/client-iam';
import { createHash } from 'node:crypto';
import { AwsApiError, call, isAlreadyExists, isNotFound } from './errors.js';
import { TAG, clusterTagKey, toEc2Tags } from './tags.js';

/** `<cluster>_<hash(region, node class)>`, at most 128 characters as IAM allows. */
export function instanceProfileName(clusterName: string, region: string, nodeClassName: string): string {
  const hash = createHash('sha256').update(`${region}/${nodeClassName}`).digest('hex').slice(0, 20);
  return `${clusterName.slice(0, 100)}_${hash}`;
}

/** A role given as an ARN or with a path (`arn:aws:iam::1:role/path/Name`, `path/Name`) → the role name. */
export const roleName = (role: string): string => role.split('/').pop() ?? role;

async function getProfile(iam: IAMClient, name: string): Promise<InstanceProfile | undefined> {
  try {
    const out = await call('iam:GetInstanceProfile', () =>
      iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))
    );
    return out.InstanceProfile;
  } catch (error) {
    if (error instanceof AwsApiError && isNotFound(error)) return undefined;
    throw error;
  }
}

/** Checks that a user-named instance profile exists; returns its name or undefined. */
export async function verifyInstanceProfile(iam: IAMClient, name: string): Promise<string | undefined> {
  return (await getProfile(iam, name))?.InstanceProfileName;
}

export async function ensureInstanceProfile(
  iam: IAMClient,
  input: { clusterName: string; region: string; nodeClassName: string; role: string }
): Promise<string> {
  const name = instanceProfileName(input.clusterName, input.region, input.nodeClassName);
  let profile = await getProfile(iam, name);
  if (profile === undefined) {
    try {
      await call('iam:CreateInstanceProfile', () =>
        iam.send(
          new CreateInstanceProfileCommand({
            InstanceProfileName: name,
            Tags: toEc2Tags({
              [TAG.cluster]: input.clusterName,
              [TAG.nodeClass]: input.nodeClassName,
              [clusterTagKey(input.clusterName)]: 'owned',
              'topology.kubernetes.io/region': input.region,
            }),
          })
        )
      );
    } catch (error) {
      if (!(error instanceof AwsApiError && isAlreadyExists(error))) throw error;
    }
    profile = await getProfile(iam, name);
  }
  const wanted = roleName(input.role);
  const attached = (profile?.Roles ?? []).map((r) => r.RoleName).filter((r): r is string => r !== undefined);
  if (attached.length === 1 && attached[0] === wanted) return name;
  for (const other of attached) {
    await call('iam:RemoveRoleFromInstanceProfile', () =>
      iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: other }))
    );
  }
  await call('iam:AddRoleToInstanceProfile', () =>
    iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: wanted }))
  );
  return name;
}

/** Removes the node class's profile (roles detached first, as IAM requires); a missing profile is success. */
export async function deleteInstanceProfile(
  iam: IAMClient,
  input: { clusterName: string; region: string; nodeClassName: string }
): Promise<void> {
  const name = instanceProfileName(input.clusterName, input.region, input.nodeClassName);
  const profile = await getProfile(iam, name);
  if (profile === undefined) return;
  for (const role of profile.Roles ?? []) {
    if (role.RoleName === undefined) continue;
    await call('iam:RemoveRoleFromInstanceProfile', () =>
      iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role.RoleName }))
    );
  }
  try {
    await call('iam:DeleteInstanceProfile', () =>
      iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }))
    );
  } catch (error) {
    if (!(error instanceof AwsApiError && isNotFound(error))) throw error;
  }
}
