/** Security groups by selector terms (Karpenter `pkg/providers/securitygroup`). */
import { DescribeSecurityGroupsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { call } from './errors.js';
import type { SelectorTerm } from './nodeclass.js';
import { termFilters } from './selectors.js';

export async function resolveSecurityGroups(
  ec2: EC2Client,
  terms: readonly SelectorTerm[]
): Promise<{ id: string; name?: string }[]> {
  const byId = new Map<string, { id: string; name?: string }>();
  for (const term of terms) {
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeSecurityGroups', () =>
        ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: termFilters(term, 'group-id', 'group-name'),
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      for (const g of page.SecurityGroups ?? []) {
        if (g.GroupId) byId.set(g.GroupId, { id: g.GroupId, ...(g.GroupName ? { name: g.GroupName } : {}) });
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}
