// Imported as values (not `import type`) so test/unit/deploy's RBAC scanner reads the call below.
import { type CoreV1Api, type V1ObjectReference } from '@kubernetes/client-node';

export interface EventToRecord {
  /** The Event's own name: callers derive it from what it says, so a retried write lands once (409 is success). */
  name: string;
  namespace: string;
  involvedObject: V1ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** Writes one Kubernetes Event as Karpenter's controllers do (`source.component: karpenter`); idempotent by name. */
export async function recordKubernetesEvent(core: CoreV1Api, event: EventToRecord): Promise<void> {
  const now = new Date();
  try {
    await core.createNamespacedEvent({
      namespace: event.namespace,
      body: {
        metadata: { name: event.name, namespace: event.namespace },
        involvedObject: event.involvedObject,
        type: event.type,
        reason: event.reason,
        message: event.message.slice(0, 1024),
        source: { component: 'karpenter' },
        reportingComponent: 'karpenter',
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}
