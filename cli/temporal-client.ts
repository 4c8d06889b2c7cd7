import { Client, Connection } from '@temporalio/client';
import type { FlagSpec, ParsedArgs } from './args.js';
import { loadTemporalConnectConfig, type TemporalConnectConfig } from '../workers/temporal-connection.js';

/**
 * Flags shared by the commands that talk to Temporal. The connection is resolved as the worker resolves it (a
 * TOML profile and the standard TEMPORAL_* variables, see workers/temporal-connection.ts); `--address`,
 * `--namespace` and `--profile` win over both.
 */
export interface TemporalFlags {
  address: string;
  namespace: string;
  connect: TemporalConnectConfig;
}

/** The connection flags every command that talks to Temporal accepts. */
export const TEMPORAL_FLAGS: readonly FlagSpec[] = [
  { name: 'address', value: 'HOST:PORT', description: 'Temporal frontend (default: profile, TEMPORAL_ADDRESS)' },
  { name: 'namespace', value: 'NAMESPACE', description: 'Temporal namespace (default: profile, TEMPORAL_NAMESPACE)' },
  { name: 'profile', value: 'NAME', description: 'profile of the Temporal client config file (TEMPORAL_PROFILE)' },
];

export function temporalFlags(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): TemporalFlags {
  const address = args.value('address');
  const namespace = args.value('namespace');
  const profile = args.value('profile');
  const connect = loadTemporalConnectConfig(profile ? { ...env, TEMPORAL_PROFILE: profile } : env, {
    ...(address ? { address } : {}),
    ...(namespace ? { namespace } : {}),
  });
  return { address: connect.summary.address, namespace: connect.namespace, connect };
}

/** Temporal could not be reached: exit 1 with where the CLI tried to connect. */
export class TemporalUnavailableError extends Error {
  readonly type = 'TemporalUnavailable';
  constructor(flags: TemporalFlags, cause: unknown) {
    super(
      `cannot connect to Temporal at ${flags.address} (namespace ${flags.namespace}): ${
        cause instanceof Error ? cause.message : String(cause)
      }; set --address, --profile or TEMPORAL_ADDRESS`
    );
    this.name = 'TemporalUnavailableError';
  }
}

export async function withConnection<T>(flags: TemporalFlags, run: (connection: Connection) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...flags.connect.connectionOptions, connectTimeout: 5000 });
  } catch (error) {
    throw new TemporalUnavailableError(flags, error);
  }
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

export async function withTemporal<T>(flags: TemporalFlags, run: (client: Client) => Promise<T>): Promise<T> {
  return withConnection(flags, (connection) => run(new Client({ connection, namespace: flags.namespace })));
}
