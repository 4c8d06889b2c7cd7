import { Client, Connection } from '@temporalio/client';
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

export function temporalFlags(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env
): { flags: TemporalFlags; rest: string[] } {
  const rest: string[] = [];
  let address: string | undefined;
  let namespace: string | undefined;
  let profile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--address') address = args[++i];
    else if (arg === '--namespace') namespace = args[++i];
    else if (arg === '--profile') profile = args[++i];
    else rest.push(arg);
  }
  const connect = loadTemporalConnectConfig(profile ? { ...env, TEMPORAL_PROFILE: profile } : env, {
    ...(address ? { address } : {}),
    ...(namespace ? { namespace } : {}),
  });
  return { flags: { address: connect.summary.address, namespace: connect.namespace, connect }, rest };
}

export async function withConnection<T>(flags: TemporalFlags, run: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ ...flags.connect.connectionOptions, connectTimeout: 5000 });
  try {
    return await run(connection);
  } finally {
    await connection.close();
  }
}

export async function withTemporal<T>(flags: TemporalFlags, run: (client: Client) => Promise<T>): Promise<T> {
  return withConnection(flags, (connection) => run(new Client({ connection, namespace: flags.namespace })));
}
