import { describe, expect, it } from '@jest/globals';
import type { EC2NodeClass } from './nodeclass.js';
import { watchCachedNodeClasses, type NodeClassSource } from './nodeclass-store.js';

const nodeClass = (name: string, subnet: string): EC2NodeClass =>
  ({
    metadata: { name },
    spec: { amiSelectorTerms: [{ alias: 'al2023@latest' }] },
    status: { subnets: [{ id: subnet, zone: 'us-west-2a' }] },
  }) as unknown as EC2NodeClass;

/** An API server stand-in that counts its reads. */
function countingSource(objects: EC2NodeClass[]): NodeClassSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async get(name) {
      reads.push(name);
      return objects.find((o) => o.metadata.name === name);
    },
  };
}

describe('EC2NodeClasses read through the node class controller’s watch', () => {
  it('asks the API server until the watch cache is attached, then answers from the cache without a request', async () => {
    const api = countingSource([nodeClass('default', 'subnet-api')]);
    const source = watchCachedNodeClasses(api);
    expect((await source.get('default'))?.status?.subnets?.[0]?.id).toBe('subnet-api');
    expect(api.reads).toEqual(['default']);

    const watched = new Map([['default', nodeClass('default', 'subnet-watched')]]);
    source.attach({ get: (name) => watched.get(name) });
    expect((await source.get('default'))?.status?.subnets?.[0]?.id).toBe('subnet-watched');
    expect(api.reads).toEqual(['default']);
  });

  it('falls back to the API server for a class the watch has not seen yet, and says undefined only when neither has it', async () => {
    const api = countingSource([nodeClass('created-a-moment-ago', 'subnet-new')]);
    const source = watchCachedNodeClasses(api);
    source.attach({ get: () => undefined });
    expect((await source.get('created-a-moment-ago'))?.status?.subnets?.[0]?.id).toBe('subnet-new');
    expect(await source.get('missing')).toBeUndefined();
    expect(api.reads).toEqual(['created-a-moment-ago', 'missing']);
  });

  it('hands out copies, so a caller that fills in defaults cannot change what the next launch reads', async () => {
    const cached = nodeClass('default', 'subnet-1');
    const source = watchCachedNodeClasses(countingSource([]));
    source.attach({ get: () => cached });
    const read = await source.get('default');
    read!.status!.subnets!.push({ id: 'subnet-2', zone: 'us-west-2b' });
    expect((await source.get('default'))?.status?.subnets).toHaveLength(1);
  });
});
