import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { CommandIo } from './bin.js';
import { temporalFlags, withTemporal } from './temporal-client.js';
import { disruptUpdate, nodeClaimWorkflowId } from '../workflows/nodeclaim/messages.js';

const USAGE =
  'usage: karpenter-temporal disrupt <nodeclaim> --reason "<why>" [--force] [--address host:port] [--namespace ns]\n';

/** `disrupt <nodeclaim> --reason R [--force]`: drain and terminate one node through its workflow's update. */
export async function runDisrupt(args: readonly string[], io: CommandIo): Promise<number> {
  const { flags, rest } = temporalFlags(args);
  let reason: string | undefined;
  let force = false;
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--reason') reason = rest[++i];
    else if (rest[i] === '--force') force = true;
    else if (rest[i]!.startsWith('--')) {
      io.stderr(`unknown flag ${rest[i]}\n${USAGE}`);
      return 2;
    } else positional.push(rest[i]!);
  }
  if (positional.length !== 1 || !reason) {
    io.stderr(USAGE);
    return 2;
  }
  const name = positional[0]!;
  return withTemporal(flags, async (client) => {
    try {
      const result = await client.workflow
        .getHandle(nodeClaimWorkflowId(name))
        .executeUpdate(disruptUpdate, { args: [{ reason, force, requestedBy: 'cli' }] });
      io.stdout(
        result.alreadyDisrupting
          ? `nodeclaim ${name} is already being disrupted (phase ${result.phase})\n`
          : `nodeclaim ${name}: disruption accepted; it will drain and terminate (phase ${result.phase})\n`
      );
      return 0;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        io.stderr(`no running workflow for nodeclaim ${name} (${nodeClaimWorkflowId(name)})\n`);
        return 1;
      }
      if (err instanceof WorkflowUpdateFailedError) {
        io.stderr(`refused: ${err.cause?.message ?? err.message}\n`);
        return 1;
      }
      throw err;
    }
  });
}
