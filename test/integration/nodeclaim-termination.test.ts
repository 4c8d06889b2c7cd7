import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { StorageV1Api } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { ec2Client } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import { nodeClaimWorkflowId, stateQuery } from '../../workflows/nodeclaim/messages.js';
import { instancesOfNodeClaim } from './support/aws-control.js';
import { cluster } from './support/cluster.js';
import { eventually } from './support/wait.js';

/** The deadline-driven parts of a NodeClaim's end: expireAfter, terminationGracePeriod and volume detachment. */
describe('NodeClaim termination deadlines, on the real test bed', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const k8s = cluster(endpoints);
  const ec2 = ec2Client(requirePart(endpoints, 'aws'));
  const storage = k8s.kc.makeApiClient(StorageV1Api);
  const namespace = `termination-${randomUUID().slice(0, 6)}`;
  let connection: Connection;
  let client: Client;
  let worker: { process: ManagedProcess; taskQueue: string };

  const instancesOf = (nodeClaim: string) => instancesOfNodeClaim(ec2, nodeClaim);
  const nodeClaimWith = async (extra: Record<string, unknown>): Promise<{ name: string; nodeName: string }> => {
    const name = `term-${randomUUID().slice(0, 8)}`;
    await k8s.createNodeClaim(
      name,
      {
        requirements: [
          { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
          { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        ],
        nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
        ...extra,
      },
      { 'karpenter.sh/nodepool': 'termination' }
    );
    const claim = await k8s.awaitConditions(name, ['Launched', 'Registered', 'Initialized']);
    return { name, nodeName: claim.status!.nodeName! };
  };

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    worker = await startWorkerProcess(endpoints, {
      env: { KT_OBSERVE_INTERVAL_SECONDS: '2', KT_RECONCILE_INTERVAL_SECONDS: '5' },
    });
  });
  afterAll(async () => {
    await worker?.process.stop();
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('terminates the node when expireAfter passes (a durable timer; forceful, as in Karpenter)', async () => {
    const { name, nodeName } = await nodeClaimWith({ expireAfter: '25s' });
    expect((await client.workflow.getHandle(nodeClaimWorkflowId(name)).query(stateQuery)).phase).toBe('Running');
    await k8s.awaitGone(name, 90_000);
    await eventually('the Node to be gone', async () => (await k8s.node(nodeName)) === undefined);
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
    const final = await client.workflow.getHandle(nodeClaimWorkflowId(name)).query(stateQuery);
    expect(final.terminationReason).toBe('Expired');
  });

  it('force-deletes a pod that blocks the drain once terminationGracePeriod runs out, then terminates', async () => {
    const { name, nodeName } = await nodeClaimWith({ terminationGracePeriod: '20s' });
    // do-not-disrupt blocks the drain; only the terminationGracePeriod deadline can end it.
    await k8s.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: `stubborn-${name}`, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } },
        spec: { nodeName, terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'db' }] },
      },
    });
    await eventually('the stubborn pod Running', async () =>
      (await k8s.podsOn(nodeName, namespace)).some(
        (p) => p.metadata?.name === `stubborn-${name}` && p.status?.phase === 'Running'
      )
    );
    await k8s.deleteNodeClaim(name);
    await eventually('the drain to report the do-not-disrupt pod', async () => {
      const drained = (await k8s.nodeClaim(name))?.status?.conditions?.find((c) => c.type === 'Drained');
      return drained?.message.includes('do-not-disrupt');
    });
    // Nobody removes the annotation: the deadline (deletion + 20 s, minus the pod's 5 s grace) must.
    await k8s.awaitGone(name, 90_000);
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
    const decisions = (await client.workflow.getHandle(nodeClaimWorkflowId(name)).query(stateQuery)).decisions.map(
      (d) => d.what
    );
    expect(decisions).toEqual(expect.arrayContaining(['drained', 'instance terminated']));
  });

  it('waits for the VolumeAttachments on the node to go before terminating the instance', async () => {
    const { name, nodeName } = await nodeClaimWith({});
    const attachment = `va-${name}`;
    await storage.createVolumeAttachment({
      body: {
        metadata: { name: attachment },
        spec: { attacher: 'ebs.csi.aws.com', nodeName, source: { persistentVolumeName: `pv-${name}` } },
      },
    });
    await k8s.deleteNodeClaim(name);
    const waiting = await eventually('VolumesDetached=Unknown naming the attachment', async () => {
      const condition = (await k8s.nodeClaim(name))?.status?.conditions?.find((c) => c.type === 'VolumesDetached');
      return condition?.status === 'Unknown' && condition.message.includes(attachment) ? condition : undefined;
    });
    expect(waiting.reason).toBe('AwaitingVolumeDetachment');
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['running']);
    // The CSI driver would detach it; here the test does.
    await storage.deleteVolumeAttachment({ name: attachment });
    await k8s.awaitGone(name, 60_000);
    expect((await instancesOf(name)).map((i) => i.State?.Name)).toEqual(['terminated']);
  });
});
