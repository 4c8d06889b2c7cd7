import { describe, expect, it } from '@jest/globals';
import type { CloudProvider, NodePoolLike } from '../../core/cloudprovider/cloudprovider.js';
import type { InstanceType } from '../../core/cloudprovider/types.js';
import { provisioningCatalogue } from './catalogue.js';

const type = (name: string) => ({ name }) as unknown as InstanceType;
const pool = (name: string, nodeClass: string) =>
  ({
    metadata: { name },
    spec: { template: { spec: { requirements: [], nodeClassRef: { name: nodeClass } } } },
  }) as unknown as NodePoolLike & { metadata: { deletionTimestamp?: string } };

/** Catalogues per node class, as the provider keeps them: the same array while nothing changed. */
function cloudWith(byClass: Record<string, InstanceType[] | Error>): CloudProvider {
  return {
    async getInstanceTypes(p: NodePoolLike) {
      const found = byClass[p.spec.template.spec.nodeClassRef.name]!;
      if (found instanceof Error) throw found;
      return found;
    },
  } as unknown as CloudProvider;
}

describe('the catalogue a provisioning round solves with', () => {
  it("should be the provider's own array for one NodePool, so the solver's compiled catalogue is reused", async () => {
    const types = [type('m5.large')];
    const catalogue = provisioningCatalogue(cloudWith({ a: types }));
    expect((await catalogue.read([pool('p', 'a')])).types).toBe(types);
  });

  it('should keep one merged array (first of a name wins) while the pools keep theirs, and skip failing pools', async () => {
    const a = [type('m5.large'), type('c5.large')];
    const b = [type('c5.large'), type('r5.large')];
    const catalogue = provisioningCatalogue(cloudWith({ a, b, broken: new Error('EC2NodeClass x is not ready') }));
    const pools = [pool('p', 'a'), pool('q', 'b'), pool('r', 'broken')];
    const first = await catalogue.read(pools);
    expect(first.types.map((t) => t.name)).toEqual(['m5.large', 'c5.large', 'r5.large']);
    expect(first.types[1]).toBe(a[1]);
    expect(first.skippedNodePools).toEqual([{ nodePool: 'r', reason: 'EC2NodeClass x is not ready' }]);
    expect((await catalogue.read(pools)).types).toBe(first.types);
  });
});
