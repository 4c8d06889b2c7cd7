import type { Condition } from './conditions.js';

export interface LifecycleEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** Unique per condition transition, so a watcher that sees the same object again writes the Event once. */
  key: string;
}

/**
 * The Kubernetes Events a NodeClaim's conditions stand for, one per transition (`kubectl describe nodeclaim` shows
 * the life at a glance): Launched, Registered, Initialized, Drained, VolumesDetached, InstanceTerminating as Normal
 * Events when True; a failed launch or a drain held by a budget or do-not-disrupt pod as a Warning; the disruption
 * reason. Pure: the NodeClaim's own conditions in, Events out.
 */
export function conditionEvents(conditions: readonly Condition[]): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  for (const c of conditions) {
    const key = `${c.type}/${c.status}/${c.reason}/${c.lastTransitionTime}/${c.message}`;
    const detail = c.message ? `: ${c.message}` : '';
    if (c.type === 'DisruptionReason' && c.status === 'True') {
      events.push({ type: 'Normal', reason: 'DisruptionTerminating', message: `${c.reason}${detail}`, key });
    } else if (c.status === 'True' && c.type !== 'Ready') {
      events.push({ type: 'Normal', reason: c.type, message: `${c.type}${detail}`, key });
    } else if (c.status === 'False' && c.type === 'Launched') {
      events.push({ type: 'Warning', reason: c.reason || 'LaunchFailed', message: `launch failed${detail}`, key });
    } else if (c.status === 'False' && c.type === 'Registered') {
      events.push({
        type: 'Warning',
        reason: c.reason || 'RegistrationFailed',
        message: `not registered${detail}`,
        key,
      });
    } else if (c.status === 'Unknown' && c.type === 'Drained' && /PodDisruptionBudget|do-not-disrupt/.test(c.message)) {
      events.push({ type: 'Warning', reason: 'DrainBlocked', message: c.message, key });
    }
  }
  return events;
}
