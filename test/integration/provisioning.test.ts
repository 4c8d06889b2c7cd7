import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import {
  pauseSignal,
  podsPendingSignal,
  provisioningStateQuery,
  provisioningWorkflowId,
  resumeSignal,
} from '../../workflows/provisioning/messages.js';
import { cluster, type NodeClaimObject, type TestNodePoolSpec } from './support/cluster.js';
import { terminateSingletons } from './support/singletons.js';
import { recordHistory } from './support/histories.js';
import { eventually } from './support/wait.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;

describe('provisioning: pending pods become NodeClaims, nodes and Running pods', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const k8s = cluster(endpoints);
  const namespace = `prov-${randomUUID().slice(0, 6)}`;
  const suffix = randomUUID().slice(0, 4);
  const pool = (name: string) => `${name}-${suffix}`;
  let connection: Connection;
  let client: Client;
  let workers: { process: ManagedProcess; taskQueue: string }[] = [];
  const taskQueue = `prov-${randomUUID()}`;
  const workerEnv = {
    KT_PROVISION: 'true',
    KT_BATCH_IDLE_SECONDS: '1',
    KT_BATCH_MAX_SECONDS: '5',
    KT_OBSERVE_INTERVAL_SECONDS: '2',
  };

  const deployment = (
    name: string,
    replicas: number,
    podSpec: Record<string, unknown>,
    requests: Record<string, string>
  ): V1Deployment => ({
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { ...podSpec, containers: [{ name: 'c', image: 'nginx', resources: { requests } }] },
      },
    },
  });

  /** Like the seed's Provisioner: only m5.large and m5.xlarge, so ten 1-CPU pods need several nodes. */
  const smallM5 = {
    nodeSelector: { 'karpenter.sh/nodepool': pool('general') },
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
              ],
            },
          ],
        },
      },
    },
  };

  const podsOf = async (app: string): Promise<V1Pod[]> =>
    (await k8s.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.filter(
      (p) => !p.metadata?.deletionTimestamp
    );

  const allRunning = async (app: string, replicas: number, timeoutMs = 120_000): Promise<V1Pod[]> =>
    eventually(
      `${replicas} ${app} pods Running`,
      async () => {
        const pods = (await podsOf(app)).filter((p) => p.status?.phase === 'Running');
        return pods.length === replicas ? pods : undefined;
      },
      timeoutMs
    );

  const nodeLabels = async (pods: V1Pod[]) =>
    Promise.all(pods.map(async (p) => (await k8s.node(p.spec!.nodeName!))!.metadata!.labels!));

  const ourNodeClaims = async (): Promise<NodeClaimObject[]> =>
    ((await k8s.custom.listClusterCustomObject({ ...NODECLAIMS })) as { items: NodeClaimObject[] }).items.filter((c) =>
      (c.metadata.labels?.['karpenter.sh/nodepool'] ?? '').endsWith(`-${suffix}`)
    );

  /**
   * Pods may start on a Node a moment before its workflow writes `status.nodeName` and Ready to the NodeClaim
   * (the node is untainted first), so this waits for the claims to settle, then holds them to exactly one
   * NodeClaim per node that runs pods: nothing bought twice or for nothing.
   */
  const claimsOnExactly = async (nodes: Set<string>): Promise<NodeClaimObject[]> =>
    eventually(
      'one Ready NodeClaim per node running the pods',
      async () => {
        const claims = await ourNodeClaims();
        const claimed = claims.map((c) => c.status?.nodeName ?? '(no node yet)').sort();
        const wanted = [...nodes].sort();
        if (JSON.stringify(claimed) !== JSON.stringify(wanted))
          throw new Error(`NodeClaims on [${claimed.join(', ')}], pods on [${wanted.join(', ')}]`);
        const notReady = claims.filter((c) => c.status?.conditions?.find((x) => x.type === 'Ready')?.status !== 'True');
        if (notReady.length > 0) throw new Error(`not Ready yet: ${notReady.map((c) => c.metadata.name).join(', ')}`);
        return claims;
      },
      60_000
    );

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    await terminateSingletons(client, [provisioningWorkflowId(endpoints.clusterName)], 'a new provisioning test run');
    const pools: Record<string, TestNodePoolSpec> = {
      general: {
        template: {
          spec: {
            requirements: [
              { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5', 'm6g'] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
            ],
          },
        },
      },
      // Says nothing about capacity type: Karpenter v1.14.1 writes the offered capacity types onto the NodeClaim and
      // launches spot (test/conformance shows its own code doing so).
      defaults: {
        template: {
          spec: { requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] }] },
        },
      },
      gpu: {
        template: {
          spec: {
            requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g4dn'] }],
            taints: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }],
          },
        },
      },
      limited: {
        limits: { cpu: '2' },
        template: {
          metadata: { labels: { team: `limited-${suffix}` } },
          spec: {
            requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }],
            taints: [{ key: 'limited', value: 'true', effect: 'NoSchedule' }],
          },
        },
      },
      tainted: {
        weight: 100,
        template: {
          spec: {
            requirements: [{ key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['m5'] }],
            taints: [{ key: 'dedicated', value: 'team-a', effect: 'NoSchedule' }],
          },
        },
      },
    };
    for (const [name, spec] of Object.entries(pools)) await k8s.createNodePool(pool(name), spec);
    workers = [await startWorkerProcess(endpoints, { taskQueue, env: workerEnv })];
  });

  afterEach(async () => {
    // A clean slate for the next test: no workloads, no NodeClaims of our pools.
    const deployments = await k8s.apps.listNamespacedDeployment({ namespace });
    for (const d of deployments.items)
      await k8s.apps.deleteNamespacedDeployment({ name: d.metadata!.name!, namespace });
    await k8s.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 });
    for (const claim of await ourNodeClaims()) await k8s.deleteNodeClaim(claim.metadata.name).catch(() => undefined);
    await eventually('our NodeClaims to be gone', async () => (await ourNodeClaims()).length === 0, 120_000);
  });

  afterAll(async () => {
    // With KT_RECORD_HISTORIES=1 the provisioner's history (every round of this file) joins the replay corpus.
    recordHistory(temporal, provisioningWorkflowId(endpoints.clusterName), 'provisioning-grouped-nominations');
    for (const w of workers) await w.process.stop();
    for (const name of ['general', 'defaults', 'gpu', 'limited', 'tainted']) await k8s.deleteNodePool(pool(name));
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('gives an arm64 pod an arm64 instance and spreads a zonal topology constraint over three zones', async () => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment(
        'arm',
        1,
        { nodeSelector: { 'kubernetes.io/arch': 'arm64', 'karpenter.sh/nodepool': pool('general') } },
        { cpu: '500m' }
      ),
    });
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment(
        'spread',
        3,
        {
          nodeSelector: { 'karpenter.sh/nodepool': pool('general'), 'kubernetes.io/arch': 'amd64' },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'spread' } },
            },
          ],
        },
        { cpu: '500m' }
      ),
    });
    const [arm] = await nodeLabels(await allRunning('arm', 1));
    expect(arm!['kubernetes.io/arch']).toBe('arm64');
    expect(arm!['node.kubernetes.io/instance-type']).toMatch(/^m6g\./);
    const spread = await nodeLabels(await allRunning('spread', 3));
    expect(new Set(spread.map((l) => l['topology.kubernetes.io/zone'])).size).toBe(3);
  });

  it('launches spot for a NodePool that says nothing about capacity type, as Karpenter v1.14.1 does', async () => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment(
        'nodefault',
        2,
        { nodeSelector: { 'karpenter.sh/nodepool': pool('defaults') } },
        { cpu: '500m' }
      ),
    });
    const labels = await nodeLabels(await allRunning('nodefault', 2));
    expect(labels.map((l) => l['karpenter.sh/capacity-type'])).toEqual(labels.map(() => 'spot'));
    const claims = (await ourNodeClaims()).filter(
      (c) => c.metadata.labels?.['karpenter.sh/nodepool'] === pool('defaults')
    );
    expect(claims.length).toBeGreaterThan(0);
    for (const claim of claims) {
      expect(claim.spec?.requirements).toContainEqual(
        expect.objectContaining({ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand', 'spot'] })
      );
    }
  });

  it('gives a GPU pod a GPU instance, and keeps a pod without the toleration off a tainted pool', async () => {
    // One create with the GPU limit (a read-modify-replace races the Deployment controller's status writes).
    const gpuWorkload = deployment(
      'gpu',
      1,
      { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] },
      { cpu: '1' }
    );
    gpuWorkload.spec!.template.spec!.containers[0]!.resources = {
      requests: { cpu: '1' },
      limits: { 'nvidia.com/gpu': '1' },
    };
    await k8s.apps.createNamespacedDeployment({ namespace, body: gpuWorkload });
    // No toleration for the heavier-weighted tainted pool: it must land on the general pool.
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('plain', 1, {}, { cpu: '500m' }) });
    const [gpu] = await nodeLabels(await allRunning('gpu', 1, 180_000));
    expect(gpu!['node.kubernetes.io/instance-type']).toMatch(/^g4dn\./);
    expect(Number(gpu!['karpenter.k8s.aws/instance-gpu-count'])).toBeGreaterThan(0);
    const [plain] = await nodeLabels(await allRunning('plain', 1));
    expect(plain!['karpenter.sh/nodepool']).not.toBe(pool('tainted'));
  });

  it('leaves pods beyond a NodePool limit Pending with an Event that names the limit', async () => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment(
        'capped',
        3,
        {
          nodeSelector: { team: `limited-${suffix}` },
          tolerations: [{ key: 'limited', operator: 'Exists', effect: 'NoSchedule' }],
        },
        { cpu: '900m' }
      ),
    });
    await eventually(
      'two pods Running on the one m5.large the limit allows',
      async () =>
        (await podsOf('capped')).filter((p) => p.status?.phase === 'Running').length === 2 ? true : undefined,
      120_000
    );
    const pending = (await podsOf('capped')).find((p) => p.status?.phase === 'Pending')!;
    expect(pending).toBeDefined();
    const event = await eventually('a FailedScheduling event naming the limit', async () => {
      const events = await k8s.core.listNamespacedEvent({
        namespace,
        fieldSelector: `involvedObject.name=${pending.metadata!.name}`,
      });
      return events.items.find(
        (e) => e.reason === 'FailedScheduling' && e.source?.component === 'karpenter' && /limit/i.test(e.message ?? '')
      );
    });
    expect(event.message).toContain(pool('limited'));
    expect(await ourNodeClaims()).toHaveLength(1);
  });

  it('plans nothing while paused by signal, and provisions what waited once resumed', async () => {
    // Signal-with-start: pausing works even before the first pending pod started the provisioner.
    const handle = await client.workflow.signalWithStart('provisioningWorkflow', {
      workflowId: provisioningWorkflowId(endpoints.clusterName),
      taskQueue,
      args: [{ clusterName: endpoints.clusterName, settings: { batchIdleMs: 1000, batchMaxMs: 5000 } }],
      signal: pauseSignal,
      signalArgs: [{ reason: 'test: change freeze' }],
    });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('frozen', 2, smallM5, { cpu: '1' }) });
    const waiting = await eventually('the provisioner to hold the frozen pods while paused', async () => {
      const state = await handle.query(provisioningStateQuery);
      return Object.keys(state.pending).filter((k) => k.startsWith(`${namespace}/frozen-`)).length === 2
        ? state
        : undefined;
    });
    expect(waiting.paused?.reason).toBe('test: change freeze');
    // Two more watcher re-sends (every 10 s) pass while paused: still no NodeClaim.
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    expect(await ourNodeClaims()).toEqual([]);
    await handle.signal(resumeSignal);
    await allRunning('frozen', 2);
    expect((await handle.query(provisioningStateQuery)).paused).toBeUndefined();
  });

  it('continues-as-new when its history grows, keeping its rounds, and still provisions', async () => {
    const handle = client.workflow.getHandle(provisioningWorkflowId(endpoints.clusterName));
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('before', 1, smallM5, { cpu: '500m' }) });
    await allRunning('before', 1);
    const before = await handle.describe();
    const roundsBefore = (await handle.query(provisioningStateQuery)).round;
    // Signals are history events: a burst of them (keys of pods that do not exist) passes the test bed's
    // continue-as-new threshold of 300 events; each one is harmless, as repeats from watchers are.
    for (let i = 0; i < 320; i++) await handle.signal(podsPendingSignal, [`${namespace}/ghost-${i}`]);
    await eventually(
      'the provisioner to continue-as-new',
      async () => ((await handle.describe()).runId !== before.runId ? true : undefined),
      60_000
    );
    expect((await handle.query(provisioningStateQuery)).round).toBeGreaterThan(roundsBefore);
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('after', 1, smallM5, { cpu: '500m' }) });
    await allRunning('after', 1);
  });

  it('survives a worker killed during a batch: no duplicate NodeClaims, every pod runs', async () => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment('crash', 6, smallM5, { cpu: '1' }),
    });
    await eventually('the provisioner to hold the pending pods', async () => {
      const state = await client.workflow
        .getHandle(provisioningWorkflowId(endpoints.clusterName))
        .query(provisioningStateQuery);
      return Object.keys(state.pending).some((k) => k.startsWith(`${namespace}/crash-`)) || state.rounds.length > 0;
    });
    workers[0]!.process.kill();
    workers[0] = await startWorkerProcess(endpoints, { taskQueue, env: workerEnv });
    const pods = await allRunning('crash', 6, 180_000);
    const nodes = new Set(pods.map((p) => p.spec!.nodeName!));
    await claimsOnExactly(nodes);
  });

  it('scales out over two workers on one task queue: the demo completes and both ran activities', async () => {
    // Few pollers per worker, as an operator sets them to share a light load across replicas (see KT_TASK_POLLERS).
    for (const w of workers) await w.process.stop();
    const shared = { ...workerEnv, KT_TASK_POLLERS: '2' };
    workers = [
      await startWorkerProcess(endpoints, { taskQueue, env: shared }),
      await startWorkerProcess(endpoints, { taskQueue, env: shared }),
    ];
    const pids = [...new Set(workers.map((w) => String(w.process.pid)))].sort();
    // Which worker ran each activity is in the histories of the NodeClaim workflows.
    const ranActivities = new Set<string>();
    const recordWhoRan = async (claims: Array<{ metadata: { name?: string } }>) => {
      for (const claim of claims) {
        const history = await client.workflow.getHandle(`nodeclaim/${claim.metadata.name}`).fetchHistory();
        for (const event of history.events ?? []) {
          const pid = event.activityTaskStartedEventAttributes?.identity?.split('@')[0];
          if (pid && pids.includes(pid)) ranActivities.add(pid);
        }
      }
    };
    // Which poller the server hands a new workflow's first task to is its choice, and a worker keeps the
    // workflows it started (sticky queue, eager activities); a second wave of work, rarely needed, keeps one
    // unlucky draw from failing the run while still requiring both workers to have run activities.
    const nodes = new Set<string>();
    for (let wave = 1; wave <= 3 && ranActivities.size < pids.length; wave++) {
      const name = `twice-${wave}`;
      await k8s.apps.createNamespacedDeployment({ namespace, body: deployment(name, 8, smallM5, { cpu: '1' }) });
      for (const pod of await allRunning(name, 8, 180_000)) nodes.add(pod.spec!.nodeName!);
      await recordWhoRan(await claimsOnExactly(nodes));
    }
    expect([...ranActivities].sort()).toEqual(pids);
  });
});
