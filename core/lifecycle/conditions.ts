/** A Kubernetes status condition as Karpenter writes them (all five fields are required by the CRD). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** NodeClaim condition types (Karpenter `nodeclaim_status.go`). */
export const ConditionTypes = {
  Launched: 'Launched',
  Registered: 'Registered',
  Initialized: 'Initialized',
  Ready: 'Ready',
  Drained: 'Drained',
  VolumesDetached: 'VolumesDetached',
  InstanceTerminating: 'InstanceTerminating',
  DisruptionReason: 'DisruptionReason',
} as const;

const MAX_MESSAGE = 300; // Karpenter cuts condition messages to 300 characters

/**
 * Returns conditions with `type` set; the transition time only moves when the status changes, as Kubernetes
 * conventions require. `now` is an argument so workflow code stays deterministic.
 */
export function setCondition(
  conditions: readonly Condition[],
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  now: Date
): Condition[] {
  const previous = conditions.find((c) => c.type === type);
  const next: Condition = {
    type,
    status,
    reason,
    message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message,
    lastTransitionTime:
      previous && previous.status === status
        ? previous.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  const others = conditions.filter((c) => c.type !== type);
  const withType = [...others, next];
  return withReadiness(withType, now);
}

/** Root `Ready` = Launched ∧ Registered ∧ Initialized (Karpenter's root condition). */
function withReadiness(conditions: Condition[], now: Date): Condition[] {
  const get = (t: string) => conditions.find((c) => c.type === t)?.status;
  const parts = [ConditionTypes.Launched, ConditionTypes.Registered, ConditionTypes.Initialized];
  const ready = parts.every((t) => get(t) === 'True');
  const firstNotReady = parts.find((t) => get(t) !== 'True');
  const status: Condition['status'] = ready ? 'True' : 'Unknown';
  const previous = conditions.find((c) => c.type === ConditionTypes.Ready);
  const readyCondition: Condition = {
    type: ConditionTypes.Ready,
    status,
    reason: ready ? 'Ready' : `${firstNotReady}NotTrue`,
    message: ready ? '' : `${firstNotReady} is not yet True`,
    lastTransitionTime:
      previous && previous.status === status
        ? previous.lastTransitionTime
        : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
  return [...conditions.filter((c) => c.type !== ConditionTypes.Ready), readyCondition].sort((a, b) =>
    a.type.localeCompare(b.type)
  );
}

export function conditionIsTrue(conditions: readonly Condition[], type: string): boolean {
  return conditions.some((c) => c.type === type && c.status === 'True');
}
