import { WorkflowNotFoundError } from '@temporalio/client';
import { UsageError } from './args.js';
import { defineCommand, type Command, type CommandSpec } from './command.js';
import { TEMPORAL_FLAGS, temporalFlags, withTemporal } from './temporal-client.js';
import {
  disruptionStateQuery,
  disruptionWorkflowId,
  dryRunSignal,
  pauseDisruptionSignal,
  resumeDisruptionSignal,
} from '../workflows/disruption/messages.js';
import type { DisruptionState } from '../workflows/disruption/state.js';

const SPEC: CommandSpec = {
  name: 'disruption',
  synopsis: '(status | pause | resume | dry-run on|off) --cluster NAME [flags]',
  description: `The cluster's disruption loop (workflow disruption/<cluster>): its last pass, decisions and savings
(status), or pause, resume and dry-run by signal.`,
  examples: [
    'npm run cli -- disruption status --cluster my-cluster',
    'npm run cli -- disruption pause --cluster my-cluster --reason "change freeze"',
    'npm run cli -- disruption dry-run on --cluster my-cluster',
  ],
  flags: [
    { name: 'cluster', value: 'NAME', description: 'the cluster (default: CLUSTER_NAME)' },
    { name: 'reason', value: 'REASON', default: 'paused from the CLI', description: 'why, for pause' },
    ...TEMPORAL_FLAGS,
  ],
};

/** The disruption loop's last pass and recent decisions, in words. */
export function describeDisruption(state: DisruptionState): string {
  const lines = [
    `cluster ${state.clusterName}: ${state.paused ? `PAUSED (${state.paused.reason})` : state.settings.dryRun ? 'DRY RUN' : 'active'}; ${state.passes} passes, ${state.commands} commands, $${state.savedPerHour.toFixed(4)}/h saved`,
  ];
  if (state.current) lines.push(`in progress: ${state.current.step}: ${state.current.command.summary}`);
  if (state.lastPass) {
    lines.push(`last pass (${state.lastPass.at}):`);
    for (const m of state.lastPass.methods) lines.push(`  ${m.method.padEnd(26)} ${m.outcome}`);
    for (const e of state.lastPass.excluded) lines.push(`  not a candidate: ${e.nodeClaim}: ${e.why}`);
  }
  if (state.decisions.length) lines.push('decisions (newest last):');
  for (const d of state.decisions)
    lines.push(`  ${d.at} ${d.outcome.padEnd(11)} ${d.summary}${d.why ? ` [${d.why}]` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** `disruption status|pause|resume|dry-run on|off --cluster C`: the cluster's disruption loop, by hand. */
export const runDisruption: Command = defineCommand(SPEC, async (args, io) => {
  const cluster = args.value('cluster') ?? process.env.CLUSTER_NAME;
  const reason = args.value('reason') ?? 'paused from the CLI';
  const [verb, arg, ...extra] = args.positional;
  if (verb === undefined) throw new UsageError('missing the action: status, pause, resume or dry-run on|off');
  if (!['status', 'pause', 'resume', 'dry-run'].includes(verb)) {
    throw new UsageError(`unknown action "${verb}": expected status, pause, resume or dry-run on|off`);
  }
  if (verb === 'dry-run' && arg !== 'on' && arg !== 'off') throw new UsageError('dry-run takes on or off');
  const unexpected = verb === 'dry-run' ? extra : [arg, ...extra].filter((word) => word !== undefined);
  if (unexpected.length > 0) throw new UsageError(`unexpected ${unexpected.join(' ')}`);
  if (!cluster) throw new UsageError('--cluster is required (or set CLUSTER_NAME)');
  const flags = temporalFlags(args);
  return withTemporal(flags, async (client) => {
    const handle = client.workflow.getHandle(disruptionWorkflowId(cluster));
    try {
      if (verb === 'pause') await handle.signal(pauseDisruptionSignal, { reason });
      if (verb === 'resume') await handle.signal(resumeDisruptionSignal);
      if (verb === 'dry-run') await handle.signal(dryRunSignal, arg === 'on');
      if (verb !== 'status') io.stdout(`disruption/${cluster}: ${verb}${arg ? ` ${arg}` : ''} sent\n`);
      else io.stdout(describeDisruption(await handle.query(disruptionStateQuery)));
      return 0;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        io.stderr(`no disruption loop is running for cluster ${cluster} (${disruptionWorkflowId(cluster)})\n`);
        return 1;
      }
      throw err;
    }
  });
});
