import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AppsV1Api, CoreV1Api, PolicyV1Api, type V1Pod } from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import { kubeConfigFor } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { eventually } from './support/wait.js';

describe('Kubernetes on the test bed', () => {
  const endpoints = loadEndpoints();
  const kc = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const namespace = `smoke-${randomUUID().slice(0, 8)}`;
  const nodeName = `kwok-smoke-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // A kwok-managed Node, the kind the kubelet bridge registers for EC2 instances.
    await core.createNode({
      body: {
        metadata: {
          name: nodeName,
          annotations: { 'kwok.x-k8s.io/node': 'fake' },
          labels: { 'kubernetes.io/hostname': nodeName },
        },
        status: {
          capacity: { cpu: '4', memory: '16Gi', pods: '110' },
          allocatable: { cpu: '4', memory: '16Gi', pods: '110' },
        },
      },
    });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await core.deleteNode({ name: nodeName }).catch(() => undefined);
  });

  const runningPods = async (): Promise<V1Pod[]> =>
    (await core.listNamespacedPod({ namespace, labelSelector: 'app=smoke' })).items.filter(
      (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp
    );

  it('schedules a 3-replica Deployment onto a kwok node with kube-scheduler and the pods run', async () => {
    await eventually('the kwok node to be Ready', async () => {
      const node = await core.readNode({ name: nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    });
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'smoke' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'smoke' } },
          template: {
            metadata: { labels: { app: 'smoke' } },
            spec: {
              // Pinned to this test's node: other tests may leave nodes of their own in the shared test bed.
              nodeSelector: { 'kubernetes.io/hostname': nodeName },
              containers: [{ name: 'nginx', image: 'nginx', resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
            },
          },
        },
      },
    });
    const pods = await eventually('3 Running pods', async () => {
      const running = await runningPods();
      return running.length === 3 ? running : undefined;
    });
    expect(pods.map((p) => p.spec?.nodeName)).toEqual([nodeName, nodeName, nodeName]);
  });

  it('refuses an eviction that a PodDisruptionBudget forbids with 429', async () => {
    await policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'smoke' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'smoke' } } } },
    });
    // The disruption controller (kube-controller-manager) must have computed the budget's status first.
    await eventually('the PDB status to be observed', async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ name: 'smoke', namespace });
      return pdb.status?.observedGeneration === pdb.metadata?.generation && pdb.status?.expectedPods === 3;
    });
    const [victim] = await runningPods();
    const evict = core.createNamespacedPodEviction({
      name: victim!.metadata!.name!,
      namespace,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim!.metadata!.name!, namespace } },
    });
    await expect(evict).rejects.toMatchObject({ code: 429 });

    await policy.deleteNamespacedPodDisruptionBudget({ name: 'smoke', namespace });
    await eventually('the eviction to be allowed once the budget is gone', async () => {
      await core.createNamespacedPodEviction({
        name: victim!.metadata!.name!,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: victim!.metadata!.name!, namespace } },
      });
      return true;
    });
  });
});
