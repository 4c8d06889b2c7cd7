import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ec2Client } from '../../testbed/clients.js';
import { buildDeployedWorker, DEPLOYED_WORKFLOW_BUNDLE, deployedWorkerCommand } from '../../testbed/deployed-worker.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import { nodeClaimWorkflowId } from '../../workflows/nodeclaim/messages.js';
import { provisioningWorkflowId } from '../../workflows/provisioning/messages.js';
import { instancesOfNodeClaim } from './support/aws-control.js';
import { cluster, type NodeClaimObject } from './support/cluster.js';
import { terminateSingletons } from './support/singletons.js';
import { eventually } from './support/wait.js';

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;

// Every other suite runs the worker's sources through tsx. The image runs something else: the compiled worker
// bundled into one file by esbuild (scripts/bundle-worker.ts), with the chart's node flags and the prebuilt workflow
// bundle. A dependency the bundle lost (a dynamic require, a file read beside a module) would only show there, so
// this suite builds it from the current sources and takes a pending pod through the whole life on it: the pod
// watcher, the provisioner, the EC2NodeClass (SSM, IAM), CreateFleet, registration, and termination.
describe('the worker as the chart runs it (bundled, with the chart’s node flags)', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  const ec2 = ec2Client(requirePart(endpoints, 'aws'));
  const k8s = cluster(endpoints);
  const namespace = `deployed-${randomUUID().slice(0, 6)}`;
  const pool = `deployed-${randomUUID().slice(0, 4)}`;
  let connection: Connection;
  let client: Client;
  let worker: { process: ManagedProcess } | undefined;

  const ourNodeClaims = async (): Promise<NodeClaimObject[]> =>
    ((await k8s.custom.listClusterCustomObject({ ...NODECLAIMS })) as { items: NodeClaimObject[] }).items.filter(
      (c) => c.metadata.labels?.['karpenter.sh/nodepool'] === pool
    );

  beforeAll(async () => {
    buildDeployedWorker();
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace });
    await k8s.core.createNamespace({ body: { metadata: { name: namespace } } });
    await k8s.applyNodeClass();
    await terminateSingletons(
      client,
      [provisioningWorkflowId(endpoints.clusterName)],
      'a new deployed-worker test run'
    );
    await k8s.createNodePool(pool, {
      template: {
        spec: {
          requirements: [
            { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['m5.large'] },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
          ],
        },
      },
    });
    worker = await startWorkerProcess(endpoints, {
      deployed: true,
      env: { KT_PROVISION: 'true', KT_BATCH_IDLE_SECONDS: '1', KT_BATCH_MAX_SECONDS: '5' },
    });
  });

  afterAll(async () => {
    await worker?.process.stop();
    await k8s.deleteNodePool(pool);
    await k8s.core.deleteNamespace({ name: namespace }).catch(() => undefined);
    await connection?.close();
  });

  it('runs the chart’s command, places a pending pod on a node it launched, and terminates the instance after', async () => {
    const { entry, nodeArgs } = deployedWorkerCommand();
    const cmdline = readFileSync(`/proc/${worker!.process.pid}/cmdline`, 'utf8').split('\0');
    expect(cmdline).toEqual(expect.arrayContaining([...nodeArgs, entry]));
    // The chart's allocator: the worker runs on jemalloc, not glibc's malloc.
    expect(readFileSync(`/proc/${worker!.process.pid}/maps`, 'utf8')).toContain('libjemalloc.so.2');

    await k8s.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          nodeSelector: { 'karpenter.sh/nodepool': pool },
          containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '500m', memory: '256Mi' } } }],
        },
      },
    });
    const pod = await eventually(
      'the pod Running on a node of our pool',
      async () => {
        const p = await k8s.core.readNamespacedPod({ namespace, name: 'web' });
        return p.status?.phase === 'Running' && p.spec?.nodeName ? p : undefined;
      },
      150_000
    );
    // The pod may start a moment before the workflow writes status.nodeName (the node is untainted first).
    const claim = await eventually('our one NodeClaim to name the pod’s node', async () => {
      const claims = await ourNodeClaims();
      return claims.length === 1 && claims[0]!.status?.nodeName === pod.spec!.nodeName ? claims[0] : undefined;
    });
    expect(claim.metadata.labels?.['node.kubernetes.io/instance-type']).toBe('m5.large');
    const [instance] = await instancesOfNodeClaim(ec2, claim.metadata.name);
    expect(instance?.State?.Name).toBe('running');
    // The prebuilt workflow bundle's source map lost the sources' text, not the mapping: the Temporal UI's stack
    // trace of the running NodeClaim workflow still names our TypeScript files.
    const map = readFileSync(DEPLOYED_WORKFLOW_BUNDLE, 'utf8').split('base64,').at(-1)!;
    expect(JSON.parse(Buffer.from(map, 'base64').toString('utf8'))).not.toHaveProperty('sourcesContent');
    const stack = await client.workflow
      .getHandle(nodeClaimWorkflowId(claim.metadata.name))
      .query<string>('__stack_trace');
    expect(stack).toMatch(/workflows\/nodeclaim\/workflow\.ts:\d+/);

    await k8s.core.deleteNamespacedPod({ namespace, name: 'web', gracePeriodSeconds: 0 });
    await k8s.deleteNodeClaim(claim.metadata.name);
    await eventually('the NodeClaim gone', async () => (await ourNodeClaims()).length === 0, 120_000);
    const after = await instancesOfNodeClaim(ec2, claim.metadata.name);
    expect(after.map((i) => i.State?.Name)).toEqual(after.map(() => 'terminated'));
    expect(after).toHaveLength(1);
  });
});
