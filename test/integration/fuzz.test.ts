/**
 * Bad input on real parts: a seeded batch of malformed signals and updates sent to running NodeClaim, provisioning
 * and disruption workflows, and mutated NodePools and EC2NodeClasses applied to the API server, all while a real
 * worker process serves them. Afterwards the worker must still be alive and provisioning, no workflow may have
 * failed a workflow task, bad updates must have been refused with InvalidPayload, and every history must replay on
 * the current code. Seed: test/fuzz/seed.ts (KT_FUZZ_SEED overrides).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
import {
  disruptUpdate,
  nodeClaimWorkflowId,
  nodeObservedSignal,
  stateQuery,
} from '../../workflows/nodeclaim/messages.js';
import { checkDisruptRequest, checkDryRun, INVALID_PAYLOAD } from '../../workflows/payloads.js';
import {
  pauseSignal,
  podsPendingSignal,
  provisioningStateQuery,
  provisioningWorkflowId,
  resumeSignal,
} from '../../workflows/provisioning/messages.js';
import { loadKarpenterExamples } from '../fixtures/load.js';
import { junk, mutated } from '../fuzz/mutate.js';
import { FUZZ_SEED } from '../fuzz/seed.js';
import { cluster } from './support/cluster.js';
import { terminateSingletons } from './support/singletons.js';
import { recordHistory, replayHistories, saveHistory } from './support/histories.js';
import { eventually } from './support/wait.js';

const NODEPOOLS = { group: 'karpenter.sh', version: 'v1', plural: 'nodepools' } as const;
const EC2NODECLASSES = { group: 'karpenter.k8s.aws', version: 'v1', plural: 'ec2nodeclasses' } as const;

/** Cases per kind of message; a few minutes in all on the 2-core test bed. */
const CASES = 25;
/** Payloads larger than this are left out of the batch (a few deliberate oversize ones are sent on their own). */
const MAX_PAYLOAD_BYTES = 64 * 1024;

const sample = <T>(arbitrary: fc.Arbitrary<T>, count: number, salt: number): T[] =>
  fc.sample(arbitrary, { seed: FUZZ_SEED + salt, numRuns: count });

/** What the Temporal JSON converter can carry, within the size we send. */
const sendable = (value: unknown): boolean => {
  try {
    const json = JSON.stringify(value);
    return json === undefined || json.length <= MAX_PAYLOAD_BYTES;
  } catch {
    return false;
  }
};

describe('bad input on real parts: workflows and the worker survive a seeded batch of malformed messages', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const k8s = cluster(endpoints);
  const suffix = randomUUID().slice(0, 6);
  const namespace = `fuzz-${suffix}`;
  const goodPool = `fuzz-ok-${suffix}`;
  const applied: { plural: typeof NODEPOOLS | typeof EC2NODECLASSES; name: string }[] = [];
  let connection: Connection;
  let client: Client;
  let worker: { process: ManagedProcess; taskQueue: string; logFile: string };
  let nodeClaim = '';

  beforeAll(async () => {
    process.stdout.write(`fuzz seed ${FUZZ_SEED} (replay with KT_FUZZ_SEED=${FUZZ_SEED})\n`);
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    await terminateSingletons(
      client,
      [provisioningWorkflowId(endpoints.clusterName), disruptionWorkflowId(endpoints.clusterName)],
      'a new fuzz test run'
    );
    worker = await startWorkerProcess(endpoints, {
      env: {
        KT_PROVISION: 'true',
        KT_DISRUPT: 'true',
        // The loop runs and takes signals, but must not act on the test's nodes.
        KT_DISRUPTION_DRY_RUN: 'true',
        KT_BATCH_IDLE_SECONDS: '1',
        KT_BATCH_MAX_SECONDS: '5',
        KT_OBSERVE_INTERVAL_SECONDS: '2',
      },
    });
    nodeClaim = `fuzz-${suffix}`;
    await k8s.createNodeClaim(
      nodeClaim,
      {
        requirements: [
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        ],
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
        resources: { requests: { cpu: '500m', memory: '1Gi' } },
      },
      { 'karpenter.sh/nodepool': 'fuzz' }
    );
    await k8s.awaitConditions(nodeClaim, ['Launched', 'Registered', 'Initialized', 'Ready']);
    // The provisioner starts with the first pending pod (signal-with-start): one that no NodePool can place.
    await k8s.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'unplaceable' },
        spec: {
          nodeSelector: { 'karpenter.sh/nodepool': `no-such-pool-${suffix}` },
          containers: [{ name: 'c', image: 'nginx' }],
        },
      },
    });
    for (const id of [provisioningWorkflowId(endpoints.clusterName), disruptionWorkflowId(endpoints.clusterName)]) {
      await eventually(`${id} running`, async () => {
        const description = await client.workflow
          .getHandle(id)
          .describe()
          .catch(() => undefined);
        return description?.status.name === 'RUNNING';
      });
    }
  });

  afterAll(async () => {
    await worker?.process.stop();
    for (const { plural, name } of applied) {
      await k8s.custom.deleteClusterCustomObject({ ...plural, name }).catch(() => undefined);
    }
    await k8s.deleteNodePool(goodPool);
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it("regression: a null taint on an initializing NodeClaim's own Node is ignored, not a workflow-task failure loop", async () => {
    // A startup taint nothing removes holds the NodeClaim in Initializing, where the lifecycle reads the observed
    // node's taints on every step: the old check stored `taints: [null]` and every later workflow task failed.
    const name = `fuzz-init-${suffix}`;
    await k8s.createNodeClaim(
      name,
      {
        requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] }],
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
        startupTaints: [{ key: 'example.com/fuzz-startup', effect: 'NoSchedule' }],
      },
      { 'karpenter.sh/nodepool': 'fuzz' }
    );
    const claim = await k8s.awaitConditions(name, ['Launched', 'Registered']);
    const handle = client.workflow.getHandle(nodeClaimWorkflowId(name));
    await eventually(
      'the NodeClaim Initializing',
      async () => (await handle.query(stateQuery)).phase === 'Initializing'
    );
    await handle.signal(nodeObservedSignal, {
      name: claim.status!.nodeName!,
      providerID: claim.status!.providerID!,
      ready: true,
      deleting: false,
      taints: [null],
      allocatableResources: [],
    } as never);
    // Two observe intervals: time for the lifecycle to read the observation (and, before the fix, to fail on it).
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const failedTask = proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((event) => event.eventType === failedTask)).toHaveLength(0);
    expect((await handle.query(stateQuery)).phase).toBe('Initializing');
    await k8s.deleteNodeClaim(name);
    await handle.result();
    recordHistory(temporal, nodeClaimWorkflowId(name), 'nodeclaim-null-taint-initializing');
  });

  it('ignores bad signals and refuses bad updates with InvalidPayload, keeping every workflow serving', async () => {
    const handle = client.workflow.getHandle(nodeClaimWorkflowId(nodeClaim));
    const before = await handle.query(stateQuery);

    // nodeObserved: mutated observations of some other node (a valid one is then ignored by providerID), junk, and
    // the regression: a null taint on this NodeClaim's own node.
    const observation = {
      name: 'fuzz-node',
      providerID: 'aws:///us-west-2a/i-fuzz',
      ready: true,
      deleting: false,
      taints: [{ key: 'example.com/fuzz', effect: 'NoSchedule' }],
      allocatableResources: [],
    };
    const observations = [
      ...sample(fc.oneof(mutated(fc.constant(observation)), junk), CASES, 1).filter(sendable),
      { ...observation, name: before.nodeName, providerID: before.launched?.providerID, taints: [null] },
    ];
    for (const payload of observations) await handle.signal(nodeObservedSignal, payload as never);

    // disrupt: only payloads the check refuses (a valid one would really disrupt the node).
    const requests = sample(fc.oneof(mutated(fc.constant({ reason: 'fuzz', force: true })), junk), CASES, 2)
      .filter(sendable)
      .filter((payload) => !checkDisruptRequest(payload).ok);
    requests.push({ reason: 'fuzz', requestedBy: 'x'.repeat(300_000) } as never);
    for (const payload of requests) {
      const update = handle.executeUpdate(disruptUpdate, { args: [payload as never] });
      await expect(update).rejects.toThrow(WorkflowUpdateFailedError);
      await expect(update).rejects.toMatchObject({ cause: { type: INVALID_PAYLOAD } });
    }

    // Provisioning and disruption loops: pods, pause reasons, dry-run flags.
    const provisioner = client.workflow.getHandle(provisioningWorkflowId(endpoints.clusterName));
    const disruption = client.workflow.getHandle(disruptionWorkflowId(endpoints.clusterName));
    for (const payload of sample(fc.oneof(junk, fc.array(junk, { maxLength: 5 })), CASES, 3).filter(sendable)) {
      await provisioner.signal(podsPendingSignal, payload as never);
    }
    for (const payload of sample(fc.oneof(junk, fc.record({ reason: junk })), 5, 4).filter(sendable)) {
      await provisioner.signal(pauseSignal, payload as never);
      await disruption.signal(pauseDisruptionSignal, payload as never);
    }
    await provisioner.signal(resumeSignal);
    await disruption.signal(resumeDisruptionSignal);
    for (const payload of sample(junk, CASES, 5).filter((p) => sendable(p) && !checkDryRun(p).ok)) {
      await disruption.signal(dryRunSignal, payload as never);
    }

    // Every workflow still answers, with its state as it was (bounded, nothing of the junk stored).
    const after = await handle.query(stateQuery);
    expect(after.phase).toBe('Running');
    expect(after.node?.providerID).toBe(before.launched?.providerID);
    expect(after.disruption).toBeUndefined();
    expect((await provisioner.query(provisioningStateQuery)).paused).toBeUndefined();
    const loop = await disruption.query(disruptionStateQuery);
    expect(loop.paused).toBeUndefined();
    expect(loop.settings.dryRun).toBe(true);
    expect(worker.process.exited).toBeUndefined();
  });

  it('survives mutated NodePools and EC2NodeClasses the API server accepts', async () => {
    const examples = loadKarpenterExamples()
      .map((example) => example.object)
      .filter((object) => object['kind'] === 'NodePool' || object['kind'] === 'EC2NodeClass');
    const objects = sample(mutated(fc.constantFrom(...examples)), CASES * 2, 6);
    let accepted = 0;
    for (const [index, object] of objects.entries()) {
      if (typeof object !== 'object' || object === null || Array.isArray(object)) continue;
      const body = object as Record<string, unknown>;
      const plural = body['kind'] === 'EC2NodeClass' ? EC2NODECLASSES : NODEPOOLS;
      const name = `fuzz-${suffix}-${index}`;
      const metadata = body['metadata'];
      body['metadata'] =
        typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata)
          ? { ...metadata, name }
          : { name };
      try {
        await k8s.custom.createClusterCustomObject({ ...plural, body });
        applied.push({ plural, name });
        accepted += 1;
      } catch (error) {
        // The API server's own validation refused it: the 4xx is the expected outcome for most mutations.
        expect((error as { code?: number }).code).toBeGreaterThanOrEqual(400);
        expect((error as { code?: number }).code).toBeLessThan(500);
      }
    }
    process.stdout.write(`applied ${objects.length} mutated objects, ${accepted} accepted by the API server\n`);
    // Let the watchers and a provisioning round read them.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(worker.process.exited).toBeUndefined();
  });

  it('still provisions a pending pod afterwards', async () => {
    await k8s.createNodePool(goodPool, {
      template: {
        spec: {
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
        },
      },
    });
    await k8s.apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'after-fuzz' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'after-fuzz' } },
          template: {
            metadata: { labels: { app: 'after-fuzz' } },
            spec: {
              nodeSelector: { 'karpenter.sh/nodepool': goodPool },
              containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500m' } } }],
            },
          },
        },
      },
    });
    await eventually(
      'the after-fuzz pod Running on a new node',
      async () =>
        (await k8s.core.listNamespacedPod({ namespace, labelSelector: 'app=after-fuzz' })).items.some(
          (pod) => pod.status?.phase === 'Running'
        ),
      150_000
    );
    expect(worker.process.exited).toBeUndefined();
  });

  it('leaves no failed workflow task in any history, and every history replays on the current code', async () => {
    // End the NodeClaim through a valid disrupt, so its whole life (with the bad messages) is one closed history.
    const handle = client.workflow.getHandle(nodeClaimWorkflowId(nodeClaim));
    await handle.executeUpdate(disruptUpdate, {
      args: [{ reason: 'fuzz test done', force: true, requestedBy: 'test' }],
    });
    await handle.result();
    recordHistory(temporal, nodeClaimWorkflowId(nodeClaim), 'nodeclaim-bad-payloads');
    // The loops run on (continue-as-new); their histories so far carry the bad signals and replay as they are.
    recordHistory(temporal, provisioningWorkflowId(endpoints.clusterName), 'provisioning-bad-payloads');
    recordHistory(temporal, disruptionWorkflowId(endpoints.clusterName), 'disruption-bad-payloads');

    const ids = [
      nodeClaimWorkflowId(nodeClaim),
      provisioningWorkflowId(endpoints.clusterName),
      disruptionWorkflowId(endpoints.clusterName),
    ];
    const failedTask = proto.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;
    for (const id of ids) {
      const history = await client.workflow.getHandle(id).fetchHistory();
      const failures = (history.events ?? []).filter((event) => event.eventType === failedTask);
      expect({ id, workflowTaskFailures: failures.length }).toEqual({ id, workflowTaskFailures: 0 });
    }
    const dir = mkdtempSync(join(tmpdir(), 'kt-fuzz-histories-'));
    try {
      ids.forEach((id, index) => saveHistory(temporal, id, join(dir, `${index}.json`)));
      expect(replayHistories(dir)).toEqual({ replayed: ids.length, failures: [], stderr: '' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
