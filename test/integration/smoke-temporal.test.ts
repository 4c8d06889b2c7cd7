import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, Connection } from '@temporalio/client';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import { SEARCH_ATTRIBUTE_NAMES } from '../../workflows/search-attributes.js';

describe('Temporal on the test bed', () => {
  const endpoints = loadEndpoints();
  const temporal = requirePart(endpoints, 'temporal');
  let connection: Connection;
  let worker: ManagedProcess | undefined;

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
  });
  afterAll(async () => {
    await worker?.stop();
    await connection?.close();
  });

  it('runs a workflow to completion on the project worker, whose activities reach Kubernetes and EC2', async () => {
    const started = await startWorkerProcess(endpoints);
    worker = started.process;
    const client = new Client({ connection, namespace: temporal.namespace });
    const report = await client.workflow.execute('preflightWorkflow', {
      taskQueue: started.taskQueue,
      workflowId: `preflight-${started.taskQueue}`,
      workflowExecutionTimeout: '60 seconds',
    });
    expect(report).toEqual({
      kubernetesVersion: `v${requirePart(endpoints, 'kubernetes').version}`,
      region: 'us-west-2',
      zones: expect.arrayContaining(['us-west-2a', 'us-west-2b', 'us-west-2c']),
    });
  });

  it('has the project search attributes registered for NodeClaim workflows', async () => {
    const attrs = await connection.operatorService.listSearchAttributes({ namespace: temporal.namespace });
    for (const name of SEARCH_ATTRIBUTE_NAMES) {
      expect(attrs.customAttributes?.[name]).toBeDefined();
    }
  });
});
