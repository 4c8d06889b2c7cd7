import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PatchStrategy, setHeaderOptions, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { awsClientConfig, ec2Client } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import {
  disruptionStateQuery,
  disruptionWorkflowId,
  dryRunSignal,
  pauseDisruptionSignal,
  resumeDisruptionSignal,
} from '../../workflows/disruption/messages.js';
import type { DecisionRecord, DisruptionState } from '../../workflows/disruption/state.js';
import { garbageCollectionScheduleId } from '../../workflows/garbage-collection/messages.js';
import { interruptionWorkflowId } from '../../workflows/interruption/messages.js';
import { disruptUpdate, nodeClaimWorkflowId, stateQuery } from '../../workflows/nodeclaim/messages.js';
import { provisioningWorkflowId } from '../../workflows/provisioning/messages.js';
import { cluster, type NodeClaimObject } from './support/cluster.js';
import { recordHistory } from './support/histories.js';
import { awsControl } from './support/aws-control.js';
import { eventually } from './support/wait.js';
import { spotInterruptionEvent } from '../../testbed/spot-interruption.js';

const NODEPOOLS = { group: 'karpenter.sh', version: 'v1', plural: 'nodepools' } as const;
const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;

describe('disruption: emptiness, consolidation, drift, expiration, interruption, garbage collection', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const aws = requirePart(endpoints, 'aws');
  const k8s = cluster(endpoints);
  const ec2 = ec2Client(aws);
  const sqs = new SQSClient(awsClientConfig(aws));
  const namespace = `disr-${randomUUID().slice(0, 6)}`;
  const suffix = randomUUID().slice(0, 4);
  const pool = (name: string) => `${name}-${suffix}`;
  const taskQueue = `disr-${randomUUID()}`;
  let connection: Connection;
  let client: Client;
  let worker: { process: ManagedProcess; logFile: string };
  let queueUrl: string;
  let orphanId: string;

  const nodePool = (
    name: string,
    spec: { template?: Record<string, unknown>; disruption?: Record<string, unknown>; requirements?: unknown[] }
  ) => ({
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: pool(name) },
    spec: {
      template: {
        ...(spec.template ?? {}),
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
          expireAfter: 'Never',
          requirements: spec.requirements ?? [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
          ...((spec.template?.spec as object) ?? {}),
        },
      },
      disruption: { consolidateAfter: '5s', budgets: [{ nodes: '100%' }], ...spec.disruption },
    },
  });

  const deployment = (
    name: string,
    replicas: number,
    poolName: string,
    cpu: string,
    annotations: Record<string, string> = {}
  ): V1Deployment => ({
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations },
        spec: {
          nodeSelector: { 'karpenter.sh/nodepool': pool(poolName) },
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu, memory: '128Mi' } } }],
        },
      },
    },
  });

  const podsOf = async (app: string): Promise<V1Pod[]> =>
    (await k8s.core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.filter(
      (p) => !p.metadata?.deletionTimestamp
    );
  const running = async (app: string, replicas: number, timeoutMs = 120_000): Promise<V1Pod[]> =>
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
  const liveClaimsOf = async (poolName: string) =>
    (await claimsOf(poolName)).filter((c) => !(c.metadata as { deletionTimestamp?: string }).deletionTimestamp);
  /** The pool's live NodeClaims once each has its Node and is Initialized (pods can run a moment before that). */
  const settledClaimsOf = (poolName: string): Promise<NodeClaimObject[]> =>
    eventually(`the NodeClaims of ${pool(poolName)} registered and initialized`, async () => {
      const claims = await liveClaimsOf(poolName);
      const settled = claims.every(
        (c) => c.status?.nodeName && c.status.conditions?.some((x) => x.type === 'Initialized' && x.status === 'True')
      );
      return claims.length > 0 && settled ? claims : undefined;
    });
  const disruption = () => client.workflow.getHandle(disruptionWorkflowId(endpoints.clusterName));
  const state = (): Promise<DisruptionState> => disruption().query(disruptionStateQuery);
  const executed = async (poolName: string): Promise<DecisionRecord[]> =>
    (await state()).decisions.filter(
      (d) => d.outcome === 'executed' && d.candidates.some((c) => c.startsWith(`${pool(poolName)}-`))
    );
  const scale = (name: string, replicas: number) =>
    k8s.apps.patchNamespacedDeploymentScale(
      { name, namespace, body: { spec: { replicas } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
    );
  const removeApps = async (...names: string[]) => {
    for (const name of names) await k8s.apps.deleteNamespacedDeployment({ name, namespace }).catch(() => undefined);
    await eventually('their pods gone', async () => {
      for (const name of names) if ((await podsOf(name)).length > 0) return false;
      return true;
    });
  };
  const retirePool = async (poolName: string) => {
    for (const claim of await claimsOf(poolName)) await k8s.deleteNodeClaim(claim.metadata.name).catch(() => undefined);
    await k8s.custom.deleteClusterCustomObject({ ...NODEPOOLS, name: pool(poolName) }).catch(() => undefined);
  };
  /** What a test leaves behind that would keep the disruption loop busy in later tests; run even when it fails. */
  let cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    cleanups = [];
  });

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    // Per-cluster singletons: start from fresh ones on this file's task queue.
    for (const id of [
      provisioningWorkflowId(endpoints.clusterName),
      disruptionWorkflowId(endpoints.clusterName),
      interruptionWorkflowId(endpoints.clusterName),
    ])
      await client.workflow
        .getHandle(id)
        .terminate('a new disruption test run')
        .catch(() => undefined);
    await client.schedule
      .getHandle(garbageCollectionScheduleId(endpoints.clusterName))
      .delete()
      .catch(() => undefined);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `interruption-${suffix}` }))).QueueUrl!;

    // An instance tagged for the cluster as a crashed launch would leave it, with no NodeClaim: garbage.
    const imageId = (
      await new SSMClient(awsClientConfig(aws)).send(
        new GetParameterCommand({
          Name: '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id',
        })
      )
    ).Parameter!.Value!;
    const orphan = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: 'm5.large',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              { Key: `kubernetes.io/cluster/${endpoints.clusterName}`, Value: 'owned' },
              { Key: 'karpenter.sh/nodepool', Value: pool('gone') },
              { Key: 'karpenter.sh/nodeclaim', Value: `${pool('gone')}-crashed` },
              { Key: 'karpenter.k8s.aws/ec2nodeclass', Value: 'default' },
            ],
          },
        ],
      })
    );
    orphanId = orphan.Instances![0]!.InstanceId!;

    worker = await startWorkerProcess(endpoints, {
      taskQueue,
      env: {
        KT_PROVISION: 'true',
        KT_DISRUPT: 'true',
        KT_BATCH_IDLE_SECONDS: '1',
        KT_BATCH_MAX_SECONDS: '5',
        KT_OBSERVE_INTERVAL_SECONDS: '2',
        KT_RECONCILE_INTERVAL_SECONDS: '5',
        KT_DISRUPTION_POLL_SECONDS: '2',
        KT_DISRUPTION_VALIDATION_SECONDS: '3',
        KT_GC_INTERVAL_SECONDS: '5',
        KT_INTERRUPTION_QUEUE: queueUrl,
      },
    });
  });

  afterAll(async () => {
    // With KT_RECORD_HISTORIES=1 these runs join the replay corpus.
    recordHistory(temporal, disruptionWorkflowId(endpoints.clusterName), 'disruption-loop');
    recordHistory(temporal, interruptionWorkflowId(endpoints.clusterName), 'interruption-consumer');
    if (process.env.KT_RECORD_HISTORIES === '1') {
      for await (const run of client.workflow.list({ query: `WorkflowType = 'garbageCollectionWorkflow'` })) {
        if (run.status.name !== 'COMPLETED') continue;
        recordHistory(temporal, run.workflowId, 'garbage-collection-pass');
        break;
      }
    }
    await disruption()
      .terminate('disruption tests done')
      .catch(() => undefined);
    await client.workflow
      .getHandle(interruptionWorkflowId(endpoints.clusterName))
      .terminate('disruption tests done')
      .catch(() => undefined);
    await client.schedule
      .getHandle(garbageCollectionScheduleId(endpoints.clusterName))
      .delete()
      .catch(() => undefined);
    const deployments = await k8s.apps.listNamespacedDeployment({ namespace });
    for (const d of deployments.items)
      await k8s.apps.deleteNamespacedDeployment({ name: d.metadata!.name!, namespace }).catch(() => undefined);
    for (const name of ['cons', 'drift', 'expire', 'frozen', 'guarded', 'spot'])
      for (const claim of await claimsOf(name)) await k8s.deleteNodeClaim(claim.metadata.name).catch(() => undefined);
    await eventually(
      'this file’s NodeClaims gone',
      async () => {
        for (const name of ['cons', 'drift', 'expire', 'frozen', 'guarded', 'spot'])
          if ((await claimsOf(name)).length > 0) return false;
        return true;
      },
      120_000
    ).catch(() => undefined);
    await worker?.process.stop();
    for (const name of ['cons', 'drift', 'expire', 'frozen', 'guarded', 'spot'])
      await k8s.custom.deleteClusterCustomObject({ ...NODEPOOLS, name: pool(name) }).catch(() => undefined);
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('consolidates two half-empty nodes onto one cheaper node, never losing the last Running replica, and records the saving', async () => {
    await k8s.custom.createClusterCustomObject({ ...NODEPOOLS, body: nodePool('cons', {}) });
    for (const app of ['keep-a', 'keep-b'])
      await k8s.policy.createNamespacedPodDisruptionBudget({
        namespace,
        body: { metadata: { name: app }, spec: { minAvailable: 1, selector: { matchLabels: { app } } } },
      });
    // Two m5.xlarge nodes, each mostly taken by a filler; the fillers go, the nodes stay nearly empty.
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('keep-a', 2, 'cons', '300m') });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('fill-a', 1, 'cons', '2800m') });
    await running('keep-a', 2);
    await running('fill-a', 1);
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('keep-b', 2, 'cons', '300m') });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('fill-b', 1, 'cons', '2800m') });
    await running('keep-b', 2);
    await running('fill-b', 1);
    const before = await settledClaimsOf('cons');
    expect(before.map((c) => c.metadata.labels?.['node.kubernetes.io/instance-type'])).toEqual([
      'm5.xlarge',
      'm5.xlarge',
    ]);

    // Watch the protected apps the whole time: each keeps at least one Running replica.
    let fewest = Number.POSITIVE_INFINITY;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        for (const app of ['keep-a', 'keep-b']) {
          const up = (await podsOf(app)).filter(
            (p) =>
              p.status?.phase === 'Running' &&
              p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
          ).length;
          fewest = Math.min(fewest, up);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    await removeApps('fill-a', 'fill-b');
    const after = await eventually(
      'one cheaper node left in the pool',
      async () => {
        const claims = await claimsOf('cons');
        const types = claims.map((c) => c.metadata.labels?.['node.kubernetes.io/instance-type']);
        return claims.length === 1 && types[0] === 'm5.large' ? claims : undefined;
      },
      240_000
    );
    await running('keep-a', 2);
    await running('keep-b', 2);
    watching = false;
    await watcher;
    expect(fewest).toBeGreaterThanOrEqual(1);
    const nodes = new Set([...(await podsOf('keep-a')), ...(await podsOf('keep-b'))].map((p) => p.spec?.nodeName));
    expect([...nodes]).toEqual([after[0]!.status?.nodeName]);
    const decisions = await executed('cons');
    expect(decisions.length).toBeGreaterThan(0);
    recordHistory(temporal, nodeClaimWorkflowId(decisions[0]!.candidates[0]!), 'nodeclaim-consolidated');
    expect(decisions.every((d) => d.method.endsWith('consolidation'))).toBe(true);
    const prices = JSON.parse(readFileSync(aws.onDemandPricesFile, 'utf8')) as Record<string, number>;
    expect(decisions.reduce((sum, d) => sum + d.savingsPerHour, 0)).toBeCloseTo(
      2 * prices['m5.xlarge']! - prices['m5.large']!,
      3
    );
    expect(decisions.some((d) => d.replacements.length === 1)).toBe(true);
    expect(decisions[0]!.summary).toMatch(/Underutilized: .*saves \$0\.\d{4}\/h/);
  });

  it('a do-not-disrupt pod keeps its node from consolidation, but not from a forced manual disrupt', async () => {
    cleanups.push(
      () => removeApps('guarded', 'fill-g'),
      () => retirePool('guarded')
    );
    // With a terminationGracePeriod, as Karpenter, a forced drain waits for the protected pod only that long.
    await k8s.custom.createClusterCustomObject({
      ...NODEPOOLS,
      body: nodePool('guarded', { template: { spec: { terminationGracePeriod: '20s' } } }),
    });
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: deployment('guarded', 1, 'guarded', '300m', { 'karpenter.sh/do-not-disrupt': 'true' }),
    });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('fill-g', 1, 'guarded', '2800m') });
    await running('guarded', 1);
    await running('fill-g', 1);
    const [claim] = await settledClaimsOf('guarded');
    expect(claim!.metadata.labels?.['node.kubernetes.io/instance-type']).toBe('m5.xlarge');
    await removeApps('fill-g');
    // An m5.large would do now; several passes later the node is still there, excluded for its pod.
    const start = (await state()).passes;
    const last = await eventually(
      'five more disruption passes',
      async () => {
        const s = await state();
        return s.passes >= start + 5 ? s : undefined;
      },
      120_000
    );
    expect(last.lastPass?.excluded).toContainEqual({
      nodeClaim: claim!.metadata.name,
      why: expect.stringContaining('karpenter.sh/do-not-disrupt'),
    });
    expect((await liveClaimsOf('guarded')).map((c) => c.metadata.name)).toEqual([claim!.metadata.name]);
    expect(await executed('guarded')).toEqual([]);

    const handle = client.workflow.getHandle(nodeClaimWorkflowId(claim!.metadata.name));
    const refused = await handle
      .executeUpdate(disruptUpdate, { args: [{ reason: 'by hand', requestedBy: 'test' }] })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    await handle.executeUpdate(disruptUpdate, { args: [{ reason: 'by hand', requestedBy: 'test', force: true }] });
    await eventually('the forced drain to report the do-not-disrupt pod', async () => {
      const drained = (await k8s.nodeClaim(claim!.metadata.name))?.status?.conditions?.find(
        (c) => c.type === 'Drained'
      );
      return drained?.message.includes('do-not-disrupt');
    });
    await eventually('the guarded node gone', async () => !(await k8s.nodeClaim(claim!.metadata.name)), 120_000);
    await running('guarded', 1);
  });

  it('replaces drifted nodes after a NodePool template label changes, within a budget of one node at a time', async () => {
    await k8s.custom.createClusterCustomObject({
      ...NODEPOOLS,
      body: nodePool('drift', {
        template: { metadata: { labels: { team: 'a' } } },
        requirements: [
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.xlarge'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        ],
        disruption: { consolidateAfter: 'Never', budgets: [{ nodes: '1' }] },
      }),
    });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('big', 2, 'drift', '2500m') });
    await running('big', 2);
    const original = (await settledClaimsOf('drift')).map((c) => c.metadata.name).sort();
    expect(original).toHaveLength(2);

    let mostAtOnce = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const disrupting = (await claimsOf('drift')).filter(
          (c) =>
            (c.metadata as { deletionTimestamp?: string }).deletionTimestamp ||
            c.status?.conditions?.some((x) => x.type === 'DisruptionReason')
        ).length;
        const tainted = (
          await k8s.core.listNode({ labelSelector: `karpenter.sh/nodepool=${pool('drift')}` })
        ).items.filter((n) => n.spec?.taints?.some((t) => t.key === 'karpenter.sh/disrupted')).length;
        mostAtOnce = Math.max(mostAtOnce, disrupting, tainted);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    await k8s.custom.patchClusterCustomObject(
      { ...NODEPOOLS, name: pool('drift'), body: { spec: { template: { metadata: { labels: { team: 'b' } } } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
    );
    const replaced = await eventually(
      'both nodes replaced by team=b nodes',
      async () => {
        const claims = await claimsOf('drift');
        const ok =
          claims.length === 2 &&
          claims.every((c) => c.metadata.labels?.team === 'b' && !original.includes(c.metadata.name));
        return ok ? claims : undefined;
      },
      300_000
    );
    await running('big', 2);
    watching = false;
    await watcher;
    expect(mostAtOnce).toBe(1);
    const decisions = await executed('drift');
    expect(decisions.map((d) => d.method)).toEqual(['drift', 'drift']);
    expect(decisions[0]!.summary).toContain('NodePool label team=b');
    expect(
      replaced.every((c) => c.status?.conditions?.some((x) => x.type === 'Initialized' && x.status === 'True'))
    ).toBe(true);
  });

  it('expireAfter replaces a node through its budget; a budget of 0 holds an expired node', async () => {
    cleanups.push(
      () => removeApps('old', 'kept'),
      () => retirePool('expire'),
      () => retirePool('frozen')
    );
    const expiring = { template: { spec: { expireAfter: '40s' } }, disruption: { consolidateAfter: 'Never' } };
    await k8s.custom.createClusterCustomObject({ ...NODEPOOLS, body: nodePool('expire', expiring) });
    await k8s.custom.createClusterCustomObject({
      ...NODEPOOLS,
      body: nodePool('frozen', { ...expiring, disruption: { consolidateAfter: 'Never', budgets: [{ nodes: '0' }] } }),
    });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('old', 1, 'expire', '500m') });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('kept', 1, 'frozen', '500m') });
    await running('old', 1);
    await running('kept', 1);
    const [first] = await settledClaimsOf('expire');
    const [frozen] = await settledClaimsOf('frozen');

    await eventually(
      'the expired node replaced',
      async () => {
        const claims = await claimsOf('expire');
        return claims.length >= 1 && !claims.some((c) => c.metadata.name === first!.metadata.name);
      },
      180_000
    );
    const [pod] = await running('old', 1);
    expect(pod!.spec?.nodeName).not.toBe(first!.status?.nodeName);
    const decision = (await executed('expire')).find((d) => d.method === 'expiration');
    expect(decision?.summary).toContain('expireAfter reached');
    expect(decision?.replacements).toHaveLength(1);

    // The frozen pool's node expired as long ago, and is still there: its budget allows nothing.
    expect((await liveClaimsOf('frozen')).map((c) => c.metadata.name)).toEqual([frozen!.metadata.name]);
    const lifecycle = await client.workflow.getHandle(nodeClaimWorkflowId(frozen!.metadata.name)).query(stateQuery);
    expect(lifecycle.expiredAt).toBeDefined();
    recordHistory(temporal, nodeClaimWorkflowId(frozen!.metadata.name), 'nodeclaim-expired-held-by-budget');
    expect(lifecycle.phase).toBe('Running');
    // A pass with nothing else to do says why (the expiring pool's replacements expire again meanwhile).
    await eventually('a pass that names the budget holding the frozen node', async () => {
      const outcome = (await state()).lastPass?.methods.find((m) => m.method === 'expiration')?.outcome ?? '';
      return new RegExp(`${frozen!.metadata.name}: Expired: budget nodes: 0 → 0`).test(outcome);
    });
  });

  it('a spot interruption warning drains the node while a replacement launches; a malformed message is dropped with a log line', async () => {
    cleanups.push(
      () => removeApps('spotty'),
      () => retirePool('spot')
    );
    await k8s.custom.createClusterCustomObject({
      ...NODEPOOLS,
      body: nodePool('spot', {
        requirements: [
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['spot'] },
        ],
        disruption: { consolidateAfter: 'Never' },
      }),
    });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('spotty', 1, 'spot', '500m') });
    const [pod] = await running('spotty', 1);
    const [claim] = await settledClaimsOf('spot');
    expect(claim!.metadata.labels?.['karpenter.sh/capacity-type']).toBe('spot');
    const instanceId = claim!.status!.providerID!.split('/').pop()!;

    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"detail-type": 42, "not": "an event"' })
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: spotInterruptionEvent(aws.region, instanceId),
      })
    );
    await eventually(
      'the interrupted NodeClaim gone',
      async () => !(await k8s.nodeClaim(claim!.metadata.name)),
      120_000
    );
    const [moved] = await running('spotty', 1);
    expect(moved!.spec?.nodeName).not.toBe(pod!.spec?.nodeName);
    const replacements = await liveClaimsOf('spot');
    expect(replacements.map((c) => c.metadata.name)).not.toContain(claim!.metadata.name);
    expect(replacements.length).toBe(1);

    const events = await k8s.core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.name=${claim!.metadata.name}`,
    });
    expect(events.items.map((e) => e.reason)).toContain('SpotInterrupted');
    recordHistory(temporal, nodeClaimWorkflowId(claim!.metadata.name), 'nodeclaim-spot-interrupted');
    await eventually('the malformed message logged', async () =>
      readFileSync(worker.logFile, 'utf8').includes('dropped a malformed interruption message')
    );
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      })
    );
    expect(attributes.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });

  it('terminates an instance tagged for the cluster that no NodeClaim claims (garbage collection on a Temporal Schedule)', async () => {
    const schedule = await client.schedule.getHandle(garbageCollectionScheduleId(endpoints.clusterName)).describe();
    expect(schedule.info.recentActions.length).toBeGreaterThan(0);
    await eventually(
      'the orphaned instance terminated',
      async () => {
        const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [orphanId] }));
        const stateName = out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
        return stateName === 'terminated' || stateName === 'shutting-down';
      },
      90_000
    );
  });

  it('rolls a consolidation back when its replacement cannot launch: the node stays, untainted', async () => {
    const control = awsControl(endpoints);
    cleanups.push(
      () => control.clearInsufficientCapacity(),
      () => removeApps('solo', 'fill-r'),
      () => retirePool('rollback')
    );
    await k8s.custom.createClusterCustomObject({ ...NODEPOOLS, body: nodePool('rollback', {}) });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('solo', 1, 'rollback', '300m') });
    await k8s.apps.createNamespacedDeployment({ namespace, body: deployment('fill-r', 1, 'rollback', '2800m') });
    await running('solo', 1);
    await running('fill-r', 1);
    const [claim] = await settledClaimsOf('rollback');
    expect(claim!.metadata.labels?.['node.kubernetes.io/instance-type']).toBe('m5.xlarge');
    // The cheaper m5.large the consolidation will choose has no capacity anywhere.
    await control.markInsufficientCapacity(
      ['a', 'b', 'c'].map((z) => ({
        instanceType: 'm5.large',
        zone: `${aws.region}${z}`,
        capacityType: 'on-demand' as const,
      }))
    );
    await removeApps('fill-r');
    const rolledBack = await eventually(
      'the consolidation rolled back',
      async () =>
        (await state()).decisions.find(
          (d) => d.outcome === 'rolled back' && d.candidates.includes(claim!.metadata.name)
        ),
      120_000
    );
    expect(rolledBack.method).toBe('single-node-consolidation');
    expect(rolledBack.why).toMatch(/replacement \S+ (was deleted|failed to launch|is being deleted)/);
    expect((await liveClaimsOf('rollback')).map((c) => c.metadata.name)).toEqual([claim!.metadata.name]);
    const node = await k8s.node(claim!.status!.nodeName!);
    expect(node?.spec?.taints ?? []).not.toContainEqual(expect.objectContaining({ key: 'karpenter.sh/disrupted' }));
    const [solo] = await running('solo', 1);
    expect(solo!.spec?.nodeName).toBe(claim!.status!.nodeName);
    // Both the Node and its NodeClaim tell the story in their Events.
    for (const kind of ['Node', 'NodeClaim']) {
      const name = kind === 'Node' ? claim!.status!.nodeName! : claim!.metadata.name;
      const events = await k8s.core.listNamespacedEvent({
        namespace: 'default',
        fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}`,
      });
      expect(events.items.map((e) => e.reason)).toEqual(
        expect.arrayContaining(['DisruptionLaunching', 'DisruptionBlocked'])
      );
    }
  });

  it('leaves a stable cluster alone: ten passes, no disruption', async () => {
    const before = await state();
    const commands = before.commands;
    const decisions = before.decisions.length;
    await eventually('ten more passes', async () => (await state()).passes >= before.passes + 10, 120_000);
    const after = await state();
    expect(after.commands).toBe(commands);
    expect(after.decisions.length).toBe(decisions);
    // The consolidated pool's node is still the one it was.
    expect((await liveClaimsOf('cons')).length).toBe(1);
  });

  it('pause holds commands and dry-run only records them; resumed, the command runs', async () => {
    await disruption().signal(pauseDisruptionSignal, { reason: 'change freeze' });
    await eventually('paused', async () => (await state()).paused?.reason === 'change freeze');
    const [node] = await settledClaimsOf('cons');
    await scale('keep-a', 0);
    await scale('keep-b', 0);
    await eventually(
      'the pool’s node empty',
      async () => (await podsOf('keep-a')).length + (await podsOf('keep-b')).length === 0
    );
    await new Promise((r) => setTimeout(r, 12_000)); // well past consolidateAfter (5 s) and a poll (2 s)
    expect((await liveClaimsOf('cons')).map((c) => c.metadata.name)).toEqual([node!.metadata.name]);

    await disruption().signal(dryRunSignal, true);
    await disruption().signal(resumeDisruptionSignal);
    const dry = await eventually('a dry-run decision for the empty node', async () =>
      (await state()).decisions.find((d) => d.outcome === 'dry-run' && d.candidates.includes(node!.metadata.name))
    );
    expect(dry.method).toBe('emptiness');
    expect((await liveClaimsOf('cons')).map((c) => c.metadata.name)).toEqual([node!.metadata.name]);
    expect((await k8s.node(node!.status!.nodeName!))?.spec?.taints ?? []).not.toContainEqual(
      expect.objectContaining({ key: 'karpenter.sh/disrupted' })
    );

    await disruption().signal(dryRunSignal, false);
    await eventually('the empty node removed', async () => (await claimsOf('cons')).length === 0, 120_000);
  });
});
