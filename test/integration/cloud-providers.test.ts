import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import { disruptionStateQuery, disruptionWorkflowId } from '../../workflows/disruption/messages.js';
import type { DecisionRecord } from '../../workflows/disruption/state.js';
import { garbageCollectionScheduleId } from '../../workflows/garbage-collection/messages.js';
import { interruptionWorkflowId } from '../../workflows/interruption/messages.js';
import { disruptUpdate, nodeClaimWorkflowId } from '../../workflows/nodeclaim/messages.js';
import type { nodeClaimWorkflow } from '../../workflows/nodeclaim/workflow.js';
import { provisioningStateQuery, provisioningWorkflowId } from '../../workflows/provisioning/messages.js';
import { cloudFixture, PROVIDERS, type ProviderName } from './support/cloud-providers.js';
import { cluster, type NodeClaimObject } from './support/cluster.js';
import { recordHistory } from './support/histories.js';
import { eventually } from './support/wait.js';

const NODEPOOLS = { group: 'karpenter.sh', version: 'v1', plural: 'nodepools' } as const;
const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;

/**
 * The cloud-neutral scenarios, once per CloudProvider behind the port: what the autoscaler promises must not depend
 * on which cloud launches the nodes. Provider-specific behaviour (EC2 idempotency, ICE, drift of AMIs, interruption)
 * stays in its own files (aws-*.test.ts, disruption.test.ts).
 */
describe.each(PROVIDERS)('on the %s cloud provider', (provider: ProviderName) => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const k8s = cluster(endpoints);
  const cloud = cloudFixture(provider, endpoints);
  const namespace = `cloud-${provider}-${randomUUID().slice(0, 6)}`;
  const suffix = randomUUID().slice(0, 4);
  const pool = (name: string) => `${provider}-${name}-${suffix}`;
  const taskQueue = `cloud-${provider}-${randomUUID()}`;
  let connection: Connection;
  let client: Client;
  let worker: { process: ManagedProcess };

  const nodePool = (name: string, consolidateAfter: string) => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: pool(name) },
    spec: {
      template: {
        spec: {
          nodeClassRef: cloud.nodeClassRef,
          expireAfter: 'Never',
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: cloud.smallTypes },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
        },
      },
      disruption: { consolidateAfter, budgets: [{ nodes: '100%' }] },
    },
  });
  const deployment = (name: string, replicas: number, podSpec: Record<string, unknown>, cpu: string): V1Deployment => ({
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 0,
          ...podSpec,
          containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu, memory: '512Mi' } } }],
        },
      },
    },
  });
  const podsOf = async (app: string): Promise<V1Pod[]> =>
    (await k8s.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.filter(
      (p) => !p.metadata?.deletionTimestamp
    );
  const running = (app: string, replicas: number, timeoutMs = 120_000): Promise<V1Pod[]> =>
    eventually(
      `${replicas} ${app} pods Running`,
      async () => {
        const pods = (await podsOf(app)).filter((p) => p.status?.phase === 'Running');
        return pods.length === replicas ? pods : undefined;
      },
      timeoutMs
    );
  const claimsOf = async (poolName: string): Promise<NodeClaimObject[]> =>
    ((await k8s.custom.listClusterCustomObject({ ...NODECLAIMS })) as { items: NodeClaimObject[] }).items.filter(
      (c) => c.metadata.labels?.['karpenter.sh/nodepool'] === pool(poolName)
    );
  const terminateSingletons = async (why: string) => {
    for (const id of [
      provisioningWorkflowId(endpoints.clusterName),
      disruptionWorkflowId(endpoints.clusterName),
      interruptionWorkflowId(endpoints.clusterName),
    ])
      await client.workflow
        .getHandle(id)
        .terminate(why)
        .catch(() => undefined);
    await client.schedule
      .getHandle(garbageCollectionScheduleId(endpoints.clusterName))
      .delete()
      .catch(() => undefined);
  };

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await cloud.applyNodeClass();
    // The provisioner and the disruption loop are per-cluster singletons: fresh ones on this provider's worker.
    await terminateSingletons(`cloud-neutral scenarios on ${provider}`);
    for (const body of [nodePool('general', 'Never'), nodePool('empty', '10s')])
      await k8s.custom.createClusterCustomObject({ ...NODEPOOLS, body });
    worker = await startWorkerProcess(endpoints, {
      taskQueue,
      env: {
        ...cloud.workerEnv,
        KT_PROVISION: 'true',
        KT_DISRUPT: 'true',
        KT_BATCH_IDLE_SECONDS: '1',
        KT_BATCH_MAX_SECONDS: '5',
        KT_OBSERVE_INTERVAL_SECONDS: '2',
        KT_RECONCILE_INTERVAL_SECONDS: '5',
        KT_DISRUPTION_POLL_SECONDS: '2',
        KT_DISRUPTION_VALIDATION_SECONDS: '3',
        // Garbage collection is not a scenario here; keep it out of the way.
        KT_GC_INTERVAL_SECONDS: '3600',
      },
    });
  });

  afterEach(async () => {
    // A clean slate: no workloads, no NodeClaims of this block.
    const deployments = await k8s.apps.listNamespacedDeployment({ namespace });
    for (const d of deployments.items)
      await k8s.apps.deleteNamespacedDeployment({ name: d.metadata!.name!, namespace }).catch(() => undefined);
    await k8s.apps.deleteCollectionNamespacedDaemonSet({ namespace }).catch(() => undefined);
    await k8s.core.deleteCollectionNamespacedPod({ namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    const ours = async () =>
      ((await k8s.custom.listClusterCustomObject({ ...NODECLAIMS })) as { items: NodeClaimObject[] }).items.filter(
        (c) => (c.metadata.labels?.['karpenter.sh/nodepool'] ?? '').startsWith(`${provider}-`)
      );
    for (const claim of await ours()) await k8s.deleteNodeClaim(claim.metadata.name).catch(() => undefined);
    await eventually('this block’s NodeClaims gone', async () => (await ours()).length === 0, 120_000);
  });

  afterAll(async () => {
    await terminateSingletons(`cloud-neutral scenarios on ${provider} done`);
    await worker?.process.stop();
    for (const name of ['general', 'empty'])
      await k8s.custom.deleteClusterCustomObject({ ...NODEPOOLS, name: pool(name) }).catch(() => undefined);
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('runs 10 nginx replicas that need more than one node: NodeClaims launched, nodes Ready, every pod Running', async () => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment('nginx', 10, { nodeSelector: { 'karpenter.sh/nodepool': pool('general') } }, '1'),
    });
    const pods = await running('nginx', 10);
    const nodes = new Set(pods.map((p) => p.spec!.nodeName!));
    expect(nodes.size).toBeGreaterThan(1);
    // One Ready NodeClaim per node that runs the pods: nothing bought twice or for nothing.
    const claims = await eventually('one Ready NodeClaim per node running the pods', async () => {
      const live = (await claimsOf('general')).filter((c) => !c.metadata.deletionTimestamp);
      const claimed = live.map((c) => c.status?.nodeName ?? '(no node yet)').sort();
      if (JSON.stringify(claimed) !== JSON.stringify([...nodes].sort())) return undefined;
      const ready = live.every((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return ready ? live : undefined;
    });
    for (const claim of claims) {
      expect(cloud.smallTypes).toContain(claim.metadata.labels?.['node.kubernetes.io/instance-type']);
      expect(claim.status?.providerID).toMatch(provider === 'kwok' ? /^kwok:\/\// : /^aws:\/\/\//);
    }
    const state = await client.workflow
      .getHandle(provisioningWorkflowId(endpoints.clusterName))
      .query(provisioningStateQuery);
    expect(state.rounds.some((r) => r.nodeClaims.length > 0)).toBe(true);
  });

  it('drains on a disrupt update: a PDB holds the drain, tiers are respected, then the instance, Node and NodeClaim go', async () => {
    const name = `${provider}-manual-${randomUUID().slice(0, 6)}`;
    await k8s.createNodeClaim(
      name,
      {
        requirements: [
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: cloud.smallTypes },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        ],
        nodeClassRef: cloud.nodeClassRef,
        resources: { requests: { cpu: '500m', memory: '1Gi' } },
      },
      { 'karpenter.sh/nodepool': `${provider}-manual` }
    );
    const nodeName = (await k8s.awaitConditions(name, ['Launched', 'Registered', 'Initialized', 'Ready'])).status!
      .nodeName!;
    const onNode = { nodeSelector: { 'kubernetes.io/hostname': nodeName } };
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('web', 2, onNode, '50m') });
    await k8s.apps.createNamespacedDaemonSet({
      namespace,
      body: {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'agent' } },
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: { ...onNode, containers: [{ name: 'c', image: 'agent', resources: { requests: { cpu: '10m' } } }] },
          },
        },
      },
    });
    await running('web', 2);
    await eventually('the DaemonSet pod Running', async () =>
      (await k8s.podsOn(nodeName, namespace)).some(
        (p) => p.metadata?.labels?.app === 'agent' && p.status?.phase === 'Running'
      )
    );
    await k8s.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'web' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'web' } } } },
    });
    await eventually('the PDB to be observed', async () => {
      const pdb = await k8s.policy.readNamespacedPodDisruptionBudget({ name: 'web', namespace });
      return pdb.status?.expectedPods === 2;
    });

    const handle = client.workflow.getHandle<typeof nodeClaimWorkflow>(nodeClaimWorkflowId(name));
    const result = await handle.executeUpdate(disruptUpdate, {
      args: [{ reason: 'test: manual disruption', requestedBy: 'test' }],
    });
    expect(result).toMatchObject({ accepted: true, alreadyDisrupting: false });
    // Asking again changes nothing.
    expect(await handle.executeUpdate(disruptUpdate, { args: [{ reason: 'again' }] })).toMatchObject({
      alreadyDisrupting: true,
    });

    const held = await eventually('the drain to be held by the PDB', async () => {
      const claim = await k8s.nodeClaim(name);
      const drained = claim?.status?.conditions?.find((c) => c.type === 'Drained');
      return drained?.status === 'Unknown' && drained.message.includes('PodDisruptionBudget') ? drained : undefined;
    });
    expect(held.message).toContain(`${namespace}/web-`);
    expect((await k8s.node(nodeName))!.spec?.taints).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'karpenter.sh/disrupted', effect: 'NoSchedule' })])
    );
    // Tier order: the DaemonSet pod (tier 2) is not evicted while tier 1 is held.
    const pods = await k8s.podsOn(nodeName, namespace);
    expect(pods.filter((p) => p.metadata?.labels?.app === 'web' && !p.metadata.deletionTimestamp)).toHaveLength(2);
    expect(pods.find((p) => p.metadata?.labels?.app === 'agent')?.metadata?.deletionTimestamp).toBeFalsy();

    await k8s.policy.deleteNamespacedPodDisruptionBudget({ name: 'web', namespace });
    await k8s.awaitGone(name);
    await eventually('the Node to be gone', async () => (await k8s.node(nodeName)) === undefined);
    await eventually('the instance to be gone', () => cloud.instanceGone(name));
    const final = await handle.result();
    recordHistory(
      temporal,
      nodeClaimWorkflowId(name),
      provider === 'aws' ? 'nodeclaim-disrupt-pdb-tiers' : `nodeclaim-disrupt-pdb-tiers-${provider}`
    );
    expect(final.phase).toBe('Terminated');
    expect(final.decisions.map((d) => d.what)).toEqual(
      expect.arrayContaining(['disruption accepted', 'terminate: Disrupted', 'drained', 'instance terminated'])
    );
  });

  it('removes empty nodes after consolidateAfter once their workload is scaled to 0', async () => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment('web', 3, { nodeSelector: { 'karpenter.sh/nodepool': pool('empty') } }, '1'),
    });
    const pods = await running('web', 3);
    const busy = new Set(pods.map((p) => p.spec!.nodeName!));
    const busyClaims = await eventually('the busy nodes’ NodeClaims registered and initialized', async () => {
      const claims = (await claimsOf('empty')).filter((c) => busy.has(c.status?.nodeName ?? ''));
      const settled = claims.every((c) =>
        c.status?.conditions?.some((x) => x.type === 'Initialized' && x.status === 'True')
      );
      return claims.length === busy.size && settled ? claims.map((c) => c.metadata.name) : undefined;
    });
    // consolidateAfter counts from the pod change the loop saw. A loop that never saw the pods (a pass slower than
    // their start, e.g. over a cold EC2 catalogue) still dates the node from when it saw it empty, and may remove
    // it sooner after the scale-down than this test measures: scale only once it has seen them.
    const loop = client.workflow.getHandle(disruptionWorkflowId(endpoints.clusterName));
    await eventually('the disruption loop to have seen the pods on the busy nodes', async () => {
      const seen = (await loop.query(disruptionStateQuery)).podEvents;
      return [...busy].every((node) => seen[node] !== undefined && !seen[node].pods.startsWith('0:'));
    });
    const scaledAt = Date.now();
    await k8s.apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace, body: { spec: { replicas: 0 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
    );
    await eventually('the empty nodes removed', async () => (await claimsOf('empty')).length === 0, 120_000);
    for (const name of busyClaims) expect(await cloud.instanceGone(name)).toBe(true);
    const decisions = (await loop.query(disruptionStateQuery)).decisions.filter(
      (d: DecisionRecord) => d.outcome === 'executed' && d.candidates.some((c) => busyClaims.includes(c))
    );
    expect(decisions.map((d) => d.method)).toEqual(decisions.map(() => 'emptiness'));
    expect(decisions.flatMap((d) => d.candidates)).toEqual(expect.arrayContaining(busyClaims));
    for (const emptiness of decisions) {
      expect(emptiness.savingsPerHour).toBeGreaterThan(0);
      expect(emptiness.replacements).toEqual([]);
      // Not before consolidateAfter (10 s) of no pod coming or going.
      expect(Date.parse(emptiness.at) - scaledAt).toBeGreaterThanOrEqual(10_000);
    }
  });
});
