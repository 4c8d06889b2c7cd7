import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { CommandIo } from './bin.js';
import { temporalFlags, withConnection } from './temporal-client.js';
import { SEARCH_ATTRIBUTE_KEYS } from '../workflows/search-attributes.js';

const USAGE =
  'usage: karpenter-temporal setup-temporal [--address host:port] [--namespace ns] [--profile name]\n' +
  '  registers the search attributes NodeClaim workflows set on the namespace; safe to repeat\n';

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
export async function runSetupTemporal(args: readonly string[], io: CommandIo): Promise<number> {
  const { flags, rest } = temporalFlags(args);
  if (rest.includes('-h') || rest.includes('--help')) {
    io.stdout(USAGE);
    return 0;
  }
  if (rest.length > 0) {
    io.stderr(`unexpected ${rest.join(' ')}\n${USAGE}`);
    return 2;
  }
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
}
