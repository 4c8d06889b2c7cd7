/** EC2 Describe* filters for one selector term (Karpenter: terms are ORed, fields within a term ANDed). */
import type { Filter } from '@aws-sdk/client-ec2';
import type { SelectorTerm } from './nodeclass.js';

/** `tags` become `tag:<key>` filters, and a `*` value becomes a `tag-key` filter (any value). */
export function tagFilters(tags: Record<string, string> | undefined): Filter[] {
  return Object.entries(tags ?? {}).map(([key, value]) =>
    value === '*' ? { Name: 'tag-key', Values: [key] } : { Name: `tag:${key}`, Values: [value] }
  );
}

export function termFilters(term: SelectorTerm, idFilter: string, nameFilter?: string): Filter[] {
  const filters = tagFilters(term.tags);
  if (term.id !== undefined) filters.push({ Name: idFilter, Values: [term.id] });
  if (term.name !== undefined && nameFilter !== undefined) filters.push({ Name: nameFilter, Values: [term.name] });
  return filters;
}
