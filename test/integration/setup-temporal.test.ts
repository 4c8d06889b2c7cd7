import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { main } from '../../cli/bin.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../../workflows/search-attributes.js';
import { eventually } from './support/wait.js';

/** Runs one command line of the CLI in-process, as a shell would, and keeps what it printed. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('setup-temporal on the test bed', () => {
  const temporal = requirePart(loadEndpoints(), 'temporal');
  // A namespace of its own: the test bed's `default` was given the attributes when the dev server started.
  const namespace = `kt-setup-${randomUUID().slice(0, 8)}`;
  let connection: Connection;

  beforeAll(async () => {
    connection = await Connection.connect({ address: temporal.address });
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // The frontend learns of a new namespace through its namespace cache, refreshed every few seconds.
    await eventually(`namespace ${namespace} to be served`, async () => {
      await connection.operatorService.listSearchAttributes({ namespace });
      return true;
    });
  });
  afterAll(async () => {
    await connection?.close();
  });

  it('should register every search attribute with its type on a fresh namespace, and add nothing the second time', async () => {
    const before = await connection.operatorService.listSearchAttributes({ namespace });
    const names = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);
    expect(Object.keys(before.customAttributes ?? {}).filter((name) => names.includes(name))).toEqual([]);

    const first = await cli(['setup-temporal', '--address', temporal.address, '--namespace', namespace]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain(`namespace ${namespace}: ${names.length} search attributes added, 0 present`);

    const after = await connection.operatorService.listSearchAttributes({ namespace });
    for (const key of SEARCH_ATTRIBUTE_KEYS) {
      expect(after.customAttributes?.[key.name]).toBe(2); // INDEXED_VALUE_TYPE_KEYWORD
      expect(key.type).toBe('KEYWORD');
    }

    // The same through the environment, as a Job in the cluster would run it.
    const previous = { ...process.env };
    process.env.TEMPORAL_ADDRESS = temporal.address;
    process.env.TEMPORAL_NAMESPACE = namespace;
    try {
      const second = await cli(['setup-temporal']);
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(second.stdout).toContain(`namespace ${namespace}: 0 search attributes added, ${names.length} present`);
    } finally {
      process.env = previous;
    }
    const again = await connection.operatorService.listSearchAttributes({ namespace });
    expect(again.customAttributes).toEqual(after.customAttributes);
  });
});
