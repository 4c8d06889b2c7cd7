import { describe, expect, it } from '@jest/globals';
import type { Connection } from '@temporalio/client';
import { ensureSearchAttributes, SearchAttributeConflictError } from './setup-temporal.js';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/search-attributes.js';

const KEYWORD = 2; // INDEXED_VALUE_TYPE_KEYWORD
const TEXT = 1;

/** An operator service that keeps its attributes in memory and refuses a name twice, as the server does. */
function fakeConnection(initial: Record<string, number> = {}) {
  const attributes: Record<string, number> = { ...initial };
  const added: Record<string, number>[] = [];
  const connection = {
    operatorService: {
      listSearchAttributes: async () => ({ customAttributes: { ...attributes } }),
      addSearchAttributes: async (request: { searchAttributes: Record<string, number> }) => {
        for (const name of Object.keys(request.searchAttributes)) {
          if (name in attributes) throw new Error(`search attribute ${name} already exists`);
        }
        Object.assign(attributes, request.searchAttributes);
        added.push(request.searchAttributes);
      },
    },
  } as unknown as Connection;
  return { connection, attributes, added };
}

describe('ensureSearchAttributes', () => {
  it('should add every missing attribute as Keyword in one call, and nothing on a repeat', async () => {
    const fake = fakeConnection({ KarpenterNodePool: KEYWORD });
    const first = await ensureSearchAttributes(fake.connection, 'ns');
    expect(first.present).toEqual(['KarpenterNodePool']);
    expect(first.added).toEqual(SEARCH_ATTRIBUTE_NAMES.filter((n) => n !== 'KarpenterNodePool'));
    expect(fake.added).toHaveLength(1);
    for (const name of SEARCH_ATTRIBUTE_NAMES) expect(fake.attributes[name]).toBe(KEYWORD);

    const second = await ensureSearchAttributes(fake.connection, 'ns');
    expect(second).toEqual({ added: [], present: [...SEARCH_ATTRIBUTE_NAMES] });
    expect(fake.added).toHaveLength(1);
  });

  it('should refuse, adding nothing, when a name exists with another type', async () => {
    const fake = fakeConnection({ KarpenterPhase: TEXT });
    const error = await ensureSearchAttributes(fake.connection, 'ns').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SearchAttributeConflictError);
    expect(error).toMatchObject({ type: 'SearchAttributeConflict' });
    expect((error as Error).message).toBe(
      'search attribute KarpenterPhase exists on namespace ns as TEXT, not KEYWORD'
    );
    expect(fake.added).toEqual([]);
  });
});
