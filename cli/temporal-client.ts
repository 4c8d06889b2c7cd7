import { Client, Connection } from '@temporalio/client';

/** Flags shared by the commands that talk to Temporal; TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE are the fallbacks. */
export interface TemporalFlags {
  address: string;
  namespace: string;
}

export function temporalFlags(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env
): { flags: TemporalFlags; rest: string[] } {
  const rest: string[] = [];
  let address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  let namespace = env.TEMPORAL_NAMESPACE ?? 'default';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--address') address = args[++i] ?? address;
    else if (arg === '--namespace') namespace = args[++i] ?? namespace;
    else rest.push(arg);
  }
  return { flags: { address, namespace }, rest };
}

export async function withTemporal<T>(flags: TemporalFlags, run: (client: Client) => Promise<T>): Promise<T> {
  const connection = await Connection.connect({ address: flags.address, connectTimeout: 5000 });
  try {
    return await run(new Client({ connection, namespace: flags.namespace }));
  } finally {
    await connection.close();
  }
}
