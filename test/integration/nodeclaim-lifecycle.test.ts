import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { ec2Client } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import {
  disruptUpdate,
  nodeClaimWorkflowId,
  nodeObservedSignal,
  stateQuery,
} from '../../workflows/nodeclaim/messages.js';
import type { garbageCollectionWorkflow } from '../../workflows/garbage-collection/workflow.js';
import type { nodeClaimWorkflow } from '../../workflows/nodeclaim/workflow.js';
import { bridgeControl, instancesOfNodeClaim } from './support/aws-control.js';
import { recordHistory } from './support/histories.js';
import { cluster } from './support/cluster.js';
import { eventually } from './support/wait.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';

const REGISTRATION_TIMEOUT_SECONDS = 12;

describe('the NodeClaim lifecycle workflow, on real Temporal, Kubernetes, kwok and the EC2 emulator', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const aws = requirePart(endpoints, 'aws');
  const k8s = cluster(endpoints);
  const ec2 = ec2Client(aws);
  const bridge = bridgeControl(endpoints);
  const namespace = `lifecycle-${randomUUID().slice(0, 6)}`;
  let connection: Connection;
  let client: Client;
  let worker: { process: ManagedProcess; taskQueue: string };

  const workerEnv = {
    KT_REGISTRATION_TIMEOUT_SECONDS: String(REGISTRATION_TIMEOUT_SECONDS),
    KT_OBSERVE_INTERVAL_SECONDS: '2',
    KT_RECONCILE_INTERVAL_SECONDS: '5',
  };
  const startWorker = async (taskQueue?: string) =>
    startWorkerProcess(endpoints, { env: workerEnv, ...(taskQueue ? { taskQueue } : {}) });

  const instancesOf = (nodeClaim: string) => instancesOfNodeClaim(ec2, nodeClaim);
  const nodeClaimSpec = () => ({
    requirements: [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large', 'm5.xlarge'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ],
    nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
    resources: { requests: { cpu: '500m', memory: '1Gi' } },
  });
  const newNodeClaim = async (): Promise<string> => {
    const name = `test-${randomUUID().slice(0, 8)}`;
    await k8s.createNodeClaim(name, nodeClaimSpec(), { 'karpenter.sh/nodepool': 'lifecycle' });
    return name;
  };
  const runningNodeClaim = async (): Promise<{ name: string; nodeName: string }> => {
    const name = await newNodeClaim();
    const claim = await k8s.awaitConditions(name, ['Launched', 'Registered', 'Initialized', 'Ready']);
    return { name, nodeName: claim.status!.nodeName! };
  };
  const deployOnto = async (nodeName: string, app: string, replicas: number) => {
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: app },
        spec: {
          replicas,
          selector: { matchLabels: { app } },
          template: {
            metadata: { labels: { app } },
            spec: {
              nodeSelector: { 'kubernetes.io/hostname': nodeName },
              containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '50m', memory: '32Mi' } } }],
            },
          },
        },
      },
    });
    await eventually(`${replicas} ${app} pods Running on ${nodeName}`, async () => {
      const pods = (await k8s.podsOn(nodeName, namespace)).filter(
        (p) => p.metadata?.labels?.app === app && p.status?.phase === 'Running'
      );
      return pods.length === replicas;
    });
  };

  /** Waits for the workflow to finish and, with KT_RECORD_HISTORIES=1, adds its history to the replay corpus. */
  const finished = async (name: string, scenario: string) => {
    const state = await client.workflow.getHandle<typeof nodeClaimWorkflow>(nodeClaimWorkflowId(name)).result();
    recordHistory(temporal, nodeClaimWorkflowId(name), scenario);
    return state;
  };

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    worker = await startWorker();
  });
  afterAll(async () => {
    await worker?.process.stop();
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('launches, registers and initializes a NodeClaim, mirrors its conditions, and makes it findable in Temporal', async () => {
    const { name, nodeName } = await runningNodeClaim();
    const claim = (await k8s.nodeClaim(name))!;
    expect(claim.metadata.finalizers).toContain('karpenter.sh/termination');
    expect(claim.status?.providerID).toMatch(/^aws:\/\/\/us-west-2[abc]\/i-/);
    expect(claim.status?.capacity?.cpu).toBeDefined();

    const node = (await k8s.node(nodeName))!;
    expect(node.spec?.providerID).toBe(claim.status?.providerID);
    expect(node.metadata?.labels).toMatchObject({
      'karpenter.sh/nodepool': 'lifecycle',
      'karpenter.sh/registered': 'true',
      'karpenter.sh/initialized': 'true',
    });
    expect(node.metadata?.finalizers).toContain('karpenter.sh/termination');
    expect(node.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'NodeClaim', name, uid: claim.metadata.uid });
    expect(node.spec?.taints?.some((t) => t.key === 'karpenter.sh/unregistered')).toBeFalsy();
    expect(await instancesOf(name)).toHaveLength(1);
    // After registration the instance is named after its node, as Karpenter's tagging controller does.
    const tags = await eventually('the Name tag on the instance', async () => {
      const [instance] = await instancesOf(name);
      return instance?.Tags?.some((t) => t.Key === 'Name' && t.Value === nodeName) ? instance.Tags : undefined;
    });
    expect(tags).toEqual(expect.arrayContaining([{ Key: 'karpenter.sh/nodeclaim', Value: name }]));

    const state = await client.workflow.getHandle(nodeClaimWorkflowId(name)).query(stateQuery);
    expect(state).toMatchObject({ phase: 'Running', nodeName, nodePool: 'lifecycle' });
    expect(state.decisions.map((d) => d.what)).toEqual(
      expect.arrayContaining(['launched', 'registered', 'initialized'])
    );

    // An operator's Temporal UI query finds it by NodePool and phase.
    const found = await eventually('the workflow to be listed by its search attributes', async () => {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({
        query: `KarpenterNodePool = "lifecycle" AND KarpenterPhase = "Running" AND KarpenterNodeClaim = "${name}"`,
      })) {
        ids.push(wf.workflowId);
      }
      return ids.length === 1 ? ids : undefined;
    });
    expect(found).toEqual([nodeClaimWorkflowId(name)]);

    // `kubectl describe nodeclaim` tells the same life as Events, one per step.
    const reasons = await eventually('Launched, Registered and Initialized Events on the NodeClaim', async () => {
      const events = await k8s.core.listNamespacedEvent({
        namespace: 'default',
        fieldSelector: `involvedObject.kind=NodeClaim,involvedObject.name=${name}`,
      });
      const seen = events.items.map((e) => e.reason);
      return ['Launched', 'Registered', 'Initialized'].every((r) => seen.includes(r)) ? seen : undefined;
    });
    expect(reasons.filter((r) => r === 'Launched')).toHaveLength(1);
  });

  it('refuses to disrupt a node with a do-not-disrupt pod unless forced, and rejects a bad payload', async () => {
    const { name, nodeName } = await runningNodeClaim();
    await k8s.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: `precious-${name}`, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
        spec: { nodeName, containers: [{ name: 'c', image: 'db' }], terminationGracePeriodSeconds: 0 },
      },
    });
    await eventually('the protected pod Running', async () =>
      (await k8s.podsOn(nodeName, namespace)).some(
        (p) => p.metadata?.name === `precious-${name}` && p.status?.phase === 'Running'
      )
    );
    const handle = client.workflow.getHandle(nodeClaimWorkflowId(name));
    const badPayload = handle.executeUpdate(disruptUpdate, { args: [{ reason: '' }] });
    await expect(badPayload).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(badPayload).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/"reason" is required/) },
    });
    const refused = handle.executeUpdate(disruptUpdate, { args: [{ reason: 'consolidate' }] });
    await expect(refused).rejects.toMatchObject({
      cause: { type: 'DisruptionBlocked', message: expect.stringContaining(`pod ${namespace}/precious-${name}`) },
    });
    expect((await handle.query(stateQuery)).phase).toBe('Running');

    // Forced: the do-not-disrupt pod blocks the drain until it is deleted; then termination finishes.
    await handle.executeUpdate(disruptUpdate, { args: [{ reason: 'forced by the operator', force: true }] });
    await eventually('the drain to report the do-not-disrupt pod', async () => {
      const drained = (await k8s.nodeClaim(name))?.status?.conditions?.find((c) => c.type === 'Drained');
      return drained?.message.includes('do-not-disrupt');
    });
    await k8s.core.deleteNamespacedPod({ name: `precious-${name}`, namespace });
    await k8s.awaitGone(name);
    expect((await finished(name, 'nodeclaim-do-not-disrupt-forced')).disruption).toMatchObject({ force: true });
  });

  it('terminates cleanly when a user deletes the NodeClaim (kubectl delete nodeclaim)', async () => {
    const { name, nodeName } = await runningNodeClaim();
    await k8s.deleteNodeClaim(name);
    await k8s.awaitGone(name);
    await eventually('the Node to be gone', async () => (await k8s.node(nodeName)) === undefined);
    const instances = await instancesOf(name);
    expect(instances.map((i) => i.State?.Name)).toEqual(['terminated']);
    expect((await finished(name, 'nodeclaim-kubectl-delete-nodeclaim')).terminationReason).toBe('NodeClaimDeleted');
  });

  it('terminates cleanly when a user deletes the Node (kubectl delete node)', async () => {
    const { name, nodeName } = await runningNodeClaim();
    await k8s.core.deleteNode({ name: nodeName });
    await k8s.awaitGone(name);
    await eventually('the Node to be gone', async () => (await k8s.node(nodeName)) === undefined);
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
    expect((await finished(name, 'nodeclaim-kubectl-delete-node')).terminationReason).toBe('NodeDeleted');
  });

  it('terminates the instance when its Node never registers, after the registration timeout', async () => {
    await bridge.set({ registration: 'never' });
    try {
      const name = await newNodeClaim();
      await k8s.awaitConditions(name, ['Launched']);
      await eventually(
        'Registered=False RegistrationTimeout',
        async () => {
          const registered = (await k8s.nodeClaim(name))?.status?.conditions?.find((c) => c.type === 'Registered');
          return registered?.status === 'False' && registered.reason === 'RegistrationTimeout';
        },
        (REGISTRATION_TIMEOUT_SECONDS + 30) * 1000
      ).catch(async (err) => {
        // The NodeClaim may already be gone by the time we look; that is the same outcome.
        if ((await k8s.nodeClaim(name)) !== undefined) throw err;
      });
      await k8s.awaitGone(name);
      expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
      expect((await finished(name, 'nodeclaim-registration-timeout')).terminationReason).toBe('RegistrationTimeout');
    } finally {
      await bridge.set({ registration: 'normal' });
    }
  });

  it('continues-as-new when its history grows, carrying its state, and still terminates cleanly', async () => {
    // The test bed's Temporal suggests continue-as-new after 300 events. A running NodeClaim's history grows only
    // with what happens to it (no timer of its own): a chatty Node, observed again and again, grows it here.
    const { name } = await runningNodeClaim();
    const handle = client.workflow.getHandle<typeof nodeClaimWorkflow>(nodeClaimWorkflowId(name));
    const firstRun = (await handle.describe()).runId;
    const observed = (await handle.query(stateQuery)).node!;
    let continued = false;
    for (let i = 0; i < 2_000 && !continued; i++) {
      await handle.signal(nodeObservedSignal, observed);
      if (i % 20 === 19)
        continued = (await client.workflow.getHandle(nodeClaimWorkflowId(name)).describe()).runId !== firstRun;
    }
    await eventually(
      'the workflow to continue-as-new',
      async () =>
        (await client.workflow.getHandle(nodeClaimWorkflowId(name)).describe()).runId !== firstRun ? true : undefined,
      60_000
    );
    const carried = await client.workflow.getHandle(nodeClaimWorkflowId(name)).query(stateQuery);
    expect(carried.phase).toBe('Running');
    expect(carried.decisions.map((d) => d.what)).toEqual(
      expect.arrayContaining(['launched', 'registered', 'initialized'])
    );
    await client.workflow
      .getHandle(nodeClaimWorkflowId(name))
      .executeUpdate(disruptUpdate, { args: [{ reason: 'after continue-as-new' }] });
    await k8s.awaitGone(name);
    await finished(name, 'nodeclaim-continue-as-new-swept');
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
  });

  it('terminates a running NodeClaim that vanished while no worker watched: the cluster-wide sweep tells its workflow', async () => {
    // No watcher sees this deletion: the worker is down and the finalizer is lifted by hand, so the NodeClaim
    // never shows a deletionTimestamp to anyone. Only the garbage-collection pass's lifecycle sweep can notice.
    const { name } = await runningNodeClaim();
    // The sweep knows running NodeClaims from visibility, which trails the workflow: Ready on the NodeClaim can be
    // written before the workflow's next task publishes KarpenterPhase=Running. Stop the worker only once listed.
    await eventually('the workflow to be listed as Running', async () => {
      for await (const wf of client.workflow.list({
        query: `KarpenterPhase = "Running" AND KarpenterNodeClaim = "${name}" AND ExecutionStatus = "Running"`,
      }))
        return wf.workflowId;
      return undefined;
    });
    await worker.process.stop();
    await k8s.custom.patchClusterCustomObject(
      { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims', name, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
    );
    await k8s.deleteNodeClaim(name);
    await k8s.awaitGone(name);
    worker = await startWorker(worker.taskQueue);
    // One garbage-collection pass, the workflow the cluster's Schedule starts every KT_GC_INTERVAL_SECONDS.
    const pass = await client.workflow.execute<typeof garbageCollectionWorkflow>('garbageCollectionWorkflow', {
      workflowId: `gc-pass-${name}`,
      taskQueue: worker.taskQueue,
    });
    expect(pass.lost).toContainEqual({ nodeClaim: name, lost: 'NodeClaim' });
    const state = await finished(name, 'nodeclaim-vanished-unwatched');
    expect(state.externalDeletion).toBeDefined();
    expect(state.decisions.map((d) => d.what)).toEqual(expect.arrayContaining(['instance terminated']));
    await eventually('its instance terminated', async () =>
      (await instancesOf(name)).every((i) => i.State?.Name === 'terminated')
    );
    recordHistory(temporal, `gc-pass-${name}`, 'garbage-collection-pass-swept');
  });

  it('survives SIGKILL of the worker during launch and during drain: one instance, a finished drain, nothing leaked', async () => {
    // Kill during launch: right after the NodeClaim is created, before the workflow can finish launching.
    const name = await newNodeClaim();
    await eventually('the workflow to start launching', async () => {
      try {
        return (await client.workflow.getHandle(nodeClaimWorkflowId(name)).query(stateQuery)).launchAttempted;
      } catch {
        return undefined;
      }
    });
    worker.process.kill();
    worker = await startWorker(worker.taskQueue);
    const claim = await k8s.awaitConditions(name, ['Launched', 'Registered', 'Initialized'], 120_000);
    expect(await instancesOf(name)).toHaveLength(1);

    // Kill during drain: a PDB holds the drain, the worker dies, a new one finishes once the PDB is gone.
    const nodeName = claim.status!.nodeName!;
    await deployOnto(nodeName, 'held', 1);
    await k8s.policy.createNamespacedPodDisruptionBudget({
      namespace,
      body: { metadata: { name: 'held' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'held' } } } },
    });
    await eventually(
      'the PDB to be observed',
      async () =>
        (await k8s.policy.readNamespacedPodDisruptionBudget({ name: 'held', namespace })).status?.expectedPods === 1
    );
    await client.workflow
      .getHandle(nodeClaimWorkflowId(name))
      .executeUpdate(disruptUpdate, { args: [{ reason: 'crash test' }] });
    await eventually('the drain to be held', async () =>
      (await k8s.nodeClaim(name))?.status?.conditions?.some((c) => c.type === 'Drained' && c.status === 'Unknown')
    );
    worker.process.kill();
    worker = await startWorker(worker.taskQueue);
    await k8s.policy.deleteNamespacedPodDisruptionBudget({ name: 'held', namespace });
    await k8s.awaitGone(name, 120_000);
    await eventually('the Node to be gone', async () => (await k8s.node(nodeName)) === undefined);
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
    expect((await finished(name, 'nodeclaim-sigkill-launch-and-drain')).phase).toBe('Terminated');
  });
});
