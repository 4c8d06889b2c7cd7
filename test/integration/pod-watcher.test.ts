import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoreV1Api } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { PendingPodWatcher } from '../../adapters/kubernetes/pod-watcher.js';
import { kubeConfigFor } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { eventually } from './support/wait.js';

// The pending-pod watcher on the test bed's kube-apiserver and kube-scheduler: pods the scheduler marks
// Unschedulable reach the provisioner as keys, and the periodic re-trigger sends a bounded sample of them.
const endpoints = loadEndpoints();
const kc = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
const core = kc.makeApiClient(CoreV1Api);
const id = randomUUID().slice(0, 8);
const namespace = `pod-watcher-${id}`;
const PODS = 12;
const RESEND_KEYS = 5;

describe('pending-pod watcher', () => {
  const signals: { at: number; keys: string[] }[] = [];
  let watcher: PendingPodWatcher;

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    for (let i = 0; i < PODS; i++)
      await core.createNamespacedPod({
        namespace,
        body: {
          metadata: { name: `waiting-${i}` },
          // No node carries this label: kube-scheduler marks the pod Unschedulable and leaves it.
          spec: { nodeSelector: { 'pod-watcher-test': id }, containers: [{ name: 'c', image: 'pause' }] },
        },
      });
    watcher = new PendingPodWatcher(
      kc,
      { podsPending: async (keys) => void signals.push({ at: Date.now(), keys: [...keys] }) },
      pino({ level: 'silent' }),
      20,
      400,
      () => undefined,
      RESEND_KEYS
    );
    await watcher.start();
  });

  afterAll(async () => {
    await watcher?.stop();
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  const ours = (keys: string[]): string[] => keys.filter((k) => k.startsWith(`${namespace}/`));

  it('should signal every pod kube-scheduler marks Unschedulable', async () => {
    await eventually('all pods signalled', async () => {
      const seen = new Set(signals.flatMap((s) => ours(s.keys)));
      return seen.size === PODS;
    });
    const keys = new Set(signals.flatMap((s) => ours(s.keys)));
    expect([...keys].sort()).toEqual(Array.from({ length: PODS }, (_, i) => `${namespace}/waiting-${i}`).sort());
  });

  it('should re-trigger the provisioner with at most its sample of still-pending pods, not all of them', async () => {
    // Once the pods are settled (no more status writes), signals come only from the periodic re-trigger.
    await sleep(1500);
    const from = Date.now();
    await sleep(2500);
    const resends = signals.filter((s) => s.at >= from);
    expect(resends.length).toBeGreaterThanOrEqual(2);
    // Each one opens a round (which plans every pending pod from the snapshot), carrying no more than the sample:
    // without the bound each would carry all 12 of ours.
    for (const s of resends) {
      expect(s.keys.length).toBeGreaterThanOrEqual(1);
      expect(s.keys.length).toBeLessThanOrEqual(RESEND_KEYS);
    }
  });

  it('should cache pods without their managedFields, which the API server does return', async () => {
    const fromApi = await core.readNamespacedPod({ namespace, name: 'waiting-0' });
    expect(fromApi.metadata?.managedFields?.length).toBeGreaterThan(0);
    const cached = (watcher.pods() ?? []).filter((p) => p.metadata?.namespace === namespace);
    expect(cached).toHaveLength(PODS);
    for (const pod of cached) {
      expect(pod.metadata?.managedFields).toBeUndefined();
      // Stripped, not emptied: what the provisioner reads is still there.
      expect(pod.spec?.nodeSelector).toEqual({ 'pod-watcher-test': id });
      expect(pod.status?.conditions?.find((c) => c.type === 'PodScheduled')?.reason).toBe('Unschedulable');
    }
  });
});
