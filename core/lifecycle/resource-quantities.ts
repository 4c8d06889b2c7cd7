import type { ResourceList } from '../cloudprovider/types.js';

/**
 * The port's numeric resources (cpu in millicores, memory and storage in bytes, counts) as Kubernetes quantity
 * strings for NodeClaim spec and status (exact, unlike core/scheduling's `formatResource`, which rounds for display): whole cores as `2`, else `1930m`; bytes as `Ki` when whole, else plain bytes.
 */
export function toQuantities(list: ResourceList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(list).sort(([a], [b]) => a.localeCompare(b))) {
    if (name === 'cpu') out[name] = value % 1000 === 0 ? String(value / 1000) : `${Math.round(value)}m`;
    else if (name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-'))
      out[name] = value % 1024 === 0 ? `${value / 1024}Ki` : String(Math.round(value));
    else out[name] = String(Math.round(value));
  }
  return out;
}
