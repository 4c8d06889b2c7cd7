/**
 * EC2NodeClass status from what its selectors resolved to (Karpenter `pkg/controllers/nodeclass`): the resolved
 * subnets, security groups, AMIs and instance profile, one condition per dependency and the root `Ready`. Pure: the
 * caller writes the result to the object. A condition keeps its `lastTransitionTime` while its status is unchanged.
 */
import type { EC2NodeClass, EC2NodeClassStatus, NodeClassCondition, ResolvedAmi } from './nodeclass.js';

export const NODECLASS_CONDITION = {
  SubnetsReady: 'SubnetsReady',
  SecurityGroupsReady: 'SecurityGroupsReady',
  AMIsReady: 'AMIsReady',
  InstanceProfileReady: 'InstanceProfileReady',
  Ready: 'Ready',
} as const;

/** Each dependency either resolved to something or failed with a message that says which selector and why. */
export type Resolution<T> = { value: T } | { error: { reason: string; message: string } };

export interface NodeClassResolution {
  subnets: Resolution<{ id: string; zone: string; zoneID?: string }[]>;
  securityGroups: Resolution<{ id: string; name?: string }[]>;
  amis: Resolution<ResolvedAmi[]>;
  instanceProfile: Resolution<string>;
}

/** Karpenter's wording: the condition says which selector matched nothing, with the terms. */
export function emptySelectorMessage(selector: string, kind: string, terms: unknown): string {
  return `${selector} did not match any ${kind}: ${JSON.stringify(terms)}`;
}

function condition(
  type: string,
  resolution: Resolution<unknown>,
  readyReason: string,
  previous: readonly NodeClassCondition[],
  now: string,
  generation: number | undefined
): NodeClassCondition {
  const next =
    'error' in resolution
      ? { status: 'False' as const, reason: resolution.error.reason, message: resolution.error.message }
      : { status: 'True' as const, reason: readyReason, message: '' };
  return stamp(type, next, previous, now, generation);
}

function stamp(
  type: string,
  next: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string },
  previous: readonly NodeClassCondition[],
  now: string,
  generation: number | undefined
): NodeClassCondition {
  const before = previous.find((c) => c.type === type);
  return {
    type,
    ...next,
    lastTransitionTime: before !== undefined && before.status === next.status ? before.lastTransitionTime : now,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

/** The status to write. `now` is RFC 3339; values that failed to resolve are left out of the status. */
export function nodeClassStatus(
  nodeClass: EC2NodeClass,
  resolution: NodeClassResolution,
  now: string
): EC2NodeClassStatus {
  const previous = nodeClass.status?.conditions ?? [];
  const generation = nodeClass.metadata.generation;
  const dependencies = [
    condition(NODECLASS_CONDITION.SubnetsReady, resolution.subnets, 'SubnetsReady', previous, now, generation),
    condition(
      NODECLASS_CONDITION.SecurityGroupsReady,
      resolution.securityGroups,
      'SecurityGroupsReady',
      previous,
      now,
      generation
    ),
    condition(NODECLASS_CONDITION.AMIsReady, resolution.amis, 'AMIsReady', previous, now, generation),
    condition(
      NODECLASS_CONDITION.InstanceProfileReady,
      resolution.instanceProfile,
      'InstanceProfileReady',
      previous,
      now,
      generation
    ),
  ];
  const unready = dependencies.filter((c) => c.status !== 'True');
  const ready = stamp(
    NODECLASS_CONDITION.Ready,
    unready.length === 0
      ? { status: 'True', reason: 'Ready', message: '' }
      : {
          status: 'False',
          reason: 'UnhealthyDependents',
          message: unready.map((c) => `${c.type}=${c.status}: ${c.message}`).join('; '),
        },
    previous,
    now,
    generation
  );
  return {
    ...('value' in resolution.subnets
      ? {
          subnets: resolution.subnets.value.map((s) => ({
            id: s.id,
            zone: s.zone,
            ...(s.zoneID ? { zoneID: s.zoneID } : {}),
          })),
        }
      : {}),
    ...('value' in resolution.securityGroups ? { securityGroups: resolution.securityGroups.value } : {}),
    ...('value' in resolution.amis ? { amis: resolution.amis.value } : {}),
    ...('value' in resolution.instanceProfile ? { instanceProfile: resolution.instanceProfile.value } : {}),
    conditions: [...dependencies, ready],
  };
}
