import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { UsageError } from './args.js';
import { defineCommand, type Command, type CommandSpec } from './command.js';
import { TEMPORAL_FLAGS, temporalFlags, withTemporal } from './temporal-client.js';
import { disruptUpdate, nodeClaimWorkflowId } from '../workflows/nodeclaim/messages.js';

const SPEC: CommandSpec = {
  name: 'disrupt',
  synopsis: 'NODECLAIM --reason REASON [--force] [flags]',
  description: `Drain and terminate one node through its NodeClaim workflow's disrupt update. The workflow refuses while
the node or its pods carry karpenter.sh/do-not-disrupt, unless --force.`,
  examples: ['npm run cli -- disrupt default-abcde --reason "replace a noisy node"'],
  flags: [
    { name: 'reason', value: 'REASON', description: 'why, recorded in the workflow (required)' },
    { name: 'force', description: 'disrupt despite karpenter.sh/do-not-disrupt' },
    ...TEMPORAL_FLAGS,
  ],
};

/** `disrupt <nodeclaim> --reason R [--force]`: drain and terminate one node through its workflow's update. */
export const runDisrupt: Command = defineCommand(SPEC, async (args, io) => {
  const reason = args.value('reason');
  const force = args.enabled('force');
  const [name, ...extra] = args.positional;
  if (name === undefined) throw new UsageError('missing the NodeClaim name');
  if (extra.length > 0) throw new UsageError(`one NodeClaim at a time; unexpected ${extra.join(' ')}`);
  if (!reason) throw new UsageError('--reason is required');
  const flags = temporalFlags(args);
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
});
