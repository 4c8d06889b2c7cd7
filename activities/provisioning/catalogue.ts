import type { CloudProvider, NodePoolLike } from '../../core/cloudprovider/cloudprovider.js';
import type { InstanceType } from '../../core/cloudprovider/types.js';

export interface ProvisioningCatalogue {
  types: InstanceType[];
  /** NodePools whose instance types could not be read, with why (e.g. their EC2NodeClass is not Ready). */
  skippedNodePools: { nodePool: string; reason: string }[];
}

/**
 * The instance types a round solves with: every live NodePool's, first one of a name wins. The array keeps its
 * identity while the provider's catalogues do (one NodePool: the provider's own array), because the solver
 * memoises its compiled catalogue by array identity; a new array every round recompiled ~1,400 types every time.
 */
export function provisioningCatalogue(cloud: CloudProvider): {
  read(pools: (NodePoolLike & { metadata: { deletionTimestamp?: string } })[]): Promise<ProvisioningCatalogue>;
} {
  let last: { parts: InstanceType[][]; merged: InstanceType[] } | undefined;
  return {
    async read(pools) {
      const parts: InstanceType[][] = [];
      const skippedNodePools: ProvisioningCatalogue['skippedNodePools'] = [];
      for (const pool of pools.filter((p) => !p.metadata.deletionTimestamp)) {
        try {
          const types = await cloud.getInstanceTypes(pool);
          if (!parts.includes(types)) parts.push(types);
        } catch (err) {
          skippedNodePools.push({ nodePool: pool.metadata.name, reason: (err as Error).message });
        }
      }
      if (last && last.parts.length === parts.length && last.parts.every((p, i) => p === parts[i]))
        return { types: last.merged, skippedNodePools };
      let merged: InstanceType[];
      if (parts.length === 1) merged = parts[0]!;
      else {
        const byName = new Map<string, InstanceType>();
        for (const part of parts) for (const type of part) if (!byName.has(type.name)) byName.set(type.name, type);
        merged = [...byName.values()];
      }
      last = { parts, merged };
      return { types: merged, skippedNodePools };
    },
  };
}
