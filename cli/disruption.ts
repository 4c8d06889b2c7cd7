import { WorkflowNotFoundError } from '@temporalio/client';
import type { CommandIo } from './bin.js';
import { temporalFlags, withTemporal } from './temporal-client.js';
import {
  disruptionStateQuery,
  disruptionWorkflowId,
  dryRunSignal,
  pauseDisruptionSignal,
  resumeDisruptionSignal,
} from '../workflows/disruption/messages.js';
import type { DisruptionState } from '../workflows/disruption/state.js';

const USAGE =
  'usage: karpenter-temporal disruption <status|pause|resume|dry-run on|dry-run off> --cluster <name> [--reason R] [--address host:port] [--namespace ns]\n';

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
export async function runDisruption(args: readonly string[], io: CommandIo): Promise<number> {
  const { flags, rest } = temporalFlags(args);
  let cluster = process.env.CLUSTER_NAME;
  let reason = 'paused from the CLI';
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--cluster') cluster = rest[++i];
    else if (rest[i] === '--reason') reason = rest[++i] ?? reason;
    else if (rest[i]!.startsWith('--')) {
      io.stderr(`unknown flag ${rest[i]}\n${USAGE}`);
      return 2;
    } else positional.push(rest[i]!);
  }
  const [verb, arg] = positional;
  const valid =
    (verb === 'status' || verb === 'pause' || verb === 'resume') && arg === undefined
      ? true
      : verb === 'dry-run' && (arg === 'on' || arg === 'off');
  if (!valid || !cluster) {
    io.stderr(USAGE);
    return 2;
  }
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
}
