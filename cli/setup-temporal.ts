import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { UsageError } from './args.js';
import { defineCommand, type Command, type CommandSpec } from './command.js';
import { TEMPORAL_FLAGS, temporalFlags, withConnection } from './temporal-client.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes.js';

const SPEC: CommandSpec = {
  name: 'setup-temporal',
  synopsis: '[flags]',
  description: `Register the search attributes NodeClaim workflows set on a Temporal namespace. Only the missing ones
are added, so it is safe to repeat.`,
  examples: ['npm run cli -- setup-temporal --address temporal-frontend.temporal:7233 --namespace default'],
  flags: TEMPORAL_FLAGS,
};

const IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;
type IndexedValueType = proto.temporal.api.enums.v1.IndexedValueType;

export class SearchAttributeConflictError extends Error {
  readonly type = 'SearchAttributeConflict';
}

/** The SDK's type names (KEYWORD, ...) as the operator service's enum. */
function indexedType(type: string): IndexedValueType {
  const value = (IndexedValueType as unknown as Record<string, IndexedValueType>)[`INDEXED_VALUE_TYPE_${type}`];
  if (value === undefined) throw new Error(`unknown search attribute type ${type}`);
  return value;
}

function typeName(value: IndexedValueType | null | undefined): string {
  return (IndexedValueType[value ?? 0] ?? 'UNSPECIFIED').replace('INDEXED_VALUE_TYPE_', '');
}

export interface SearchAttributeSetup {
  added: string[];
  present: string[];
}

/**
 * Registers the project's search attributes on `namespace`: reads what is there, adds only the missing ones, so a
 * repeat adds nothing (the operator service refuses to add a name twice). A name present with another type is a
 * conflict the operator must settle: workflows would fail to upsert it.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<SearchAttributeSetup> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const custom = existing.customAttributes ?? {};
  const result: SearchAttributeSetup = { added: [], present: [] };
  const missing: Record<string, IndexedValueType> = {};
  for (const key of SEARCH_ATTRIBUTE_KEYS) {
    const want = indexedType(key.type);
    const have = custom[key.name];
    if (have === undefined) missing[key.name] = want;
    else if (have !== want) {
      throw new SearchAttributeConflictError(
        `search attribute ${key.name} exists on namespace ${namespace} as ${typeName(have)}, not ${key.type}`
      );
    } else result.present.push(key.name);
  }
  if (Object.keys(missing).length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
    result.added.push(...Object.keys(missing));
  }
  return result;
}

/** `setup-temporal`: prepare a namespace for the workers (today: its search attributes). */
export const runSetupTemporal: Command = defineCommand(SPEC, async (args, io) => {
  if (args.positional.length > 0) throw new UsageError(`unexpected ${args.positional.join(' ')}`);
  const flags = temporalFlags(args);
  return withConnection(flags, async (connection) => {
    try {
      const { added, present } = await ensureSearchAttributes(connection, flags.namespace);
      for (const name of added) io.stdout(`added   ${name}\n`);
      for (const name of present) io.stdout(`present ${name}\n`);
      io.stdout(`namespace ${flags.namespace}: ${added.length} search attributes added, ${present.length} present\n`);
      return 0;
    } catch (err) {
      if (err instanceof SearchAttributeConflictError) {
        io.stderr(`${err.message}\n`);
        return 1;
      }
      // Temporal Cloud manages search attributes outside the operator service for some accounts; say where to go.
      const code = (err as { code?: number }).code;
      if (code === 7) {
        io.stderr(
          `permission denied adding search attributes on ${flags.namespace}: ${(err as Error).message}\n` +
            'On Temporal Cloud add them in the namespace settings or with `tcld namespace search-attributes add`.\n'
        );
        return 1;
      }
      throw err;
    }
  });
});
