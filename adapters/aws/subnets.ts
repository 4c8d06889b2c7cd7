/** Subnets by selector terms (Karpenter `pkg/providers/subnet`). */
import { DescribeSubnetsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { call } from './errors.js';
import type { SelectorTerm } from './nodeclass.js';
import { termFilters } from './selectors.js';

export interface ResolvedSubnet {
  id: string;
  zone: string;
  zoneID?: string;
  availableIpAddressCount: number;
}

/** Every subnet any term matches, once each, most free IPs first (Karpenter launches into that one per zone). */
export async function resolveSubnets(ec2: EC2Client, terms: readonly SelectorTerm[]): Promise<ResolvedSubnet[]> {
  const byId = new Map<string, ResolvedSubnet>();
  for (const term of terms) {
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeSubnets', () =>
        ec2.send(
          new DescribeSubnetsCommand({
            Filters: termFilters(term, 'subnet-id'),
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      for (const s of page.Subnets ?? []) {
        if (!s.SubnetId || !s.AvailabilityZone || s.State === 'pending') continue;
        byId.set(s.SubnetId, {
          id: s.SubnetId,
          zone: s.AvailabilityZone,
          ...(s.AvailabilityZoneId !== undefined ? { zoneID: s.AvailabilityZoneId } : {}),
          availableIpAddressCount: s.AvailableIpAddressCount ?? 0,
        });
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
  }
  return [...byId.values()].sort(
    (a, b) => b.availableIpAddressCount - a.availableIpAddressCount || (a.id < b.id ? -1 : 1)
  );
}

/** One subnet per zone: the first (most free IPs) of each zone in the resolved order. */
export function subnetPerZone(subnets: readonly { id: string; zone: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of subnets) if (!out.has(s.zone)) out.set(s.zone, s.id);
  return out;
}
