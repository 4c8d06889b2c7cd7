import { WorkflowNotFoundError } from '@temporalio/client';
import { UsageError } from './args.js';
import { defineCommand, type Command, type CommandSpec } from './command.js';
import { TEMPORAL_FLAGS, temporalFlags, withTemporal } from './temporal-client.js';
import { nodeClaimWorkflowId, stateQuery } from '../workflows/nodeclaim/messages.js';
import type { NodeClaimState } from '../workflows/nodeclaim/state.js';

function age(since: string | undefined, now: Date): string {
  if (!since) return '-';
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export function formatTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows
      .map((r) =>
        r
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()
      )
      .join('\n') + '\n'
  );
}

export function stateTable(states: NodeClaimState[], now: Date): string {
  const rows = [['NODECLAIM', 'NODEPOOL', 'PHASE', 'INSTANCE-TYPE', 'CAPACITY', 'ZONE', 'NODE', 'AGE', 'PRICE/H']];
  for (const s of states) {
    rows.push([
      s.name,
      s.nodePool ?? '-',
      s.phase,
      s.instanceType ?? '-',
      s.capacityType ?? '-',
      s.zone ?? '-',
      s.nodeName ?? '-',
      age(s.timings.startedAt, now),
      s.price !== undefined ? `$${s.price.toFixed(4)}` : '-',
    ]);
  }
  return formatTable(rows);
}

export function stateDetail(s: NodeClaimState): string {
  const lines = [
    `NodeClaim:   ${s.name}${s.uid ? ` (uid ${s.uid})` : ''}`,
    `NodePool:    ${s.nodePool ?? '-'}`,
    `Phase:       ${s.phase}${s.terminationReason ? ` (terminating: ${s.terminationReason})` : ''}`,
    `Instance:    ${s.launched ? `${s.instanceType} ${s.capacityType} in ${s.zone}, ${s.launched.providerID}` : '-'}`,
    `Node:        ${s.nodeName ?? '-'}`,
    'Conditions:',
    ...s.conditions.map(
      (c) => `  ${c.type.padEnd(20)} ${c.status.padEnd(8)} ${c.reason}${c.message ? `: ${c.message}` : ''}`
    ),
    'Timings:',
    ...Object.entries(s.timings).map(([k, v]) => `  ${k.padEnd(20)} ${v}`),
    'Decisions:',
    ...s.decisions.map((d) => `  ${d.at}  ${d.what} — ${d.why}`),
  ];
  return lines.join('\n') + '\n';
}

const SPEC: CommandSpec = {
  name: 'status',
  synopsis: '[NODECLAIM] [flags]',
  description: `A table of the running NodeClaim workflows, or one NodeClaim in full: conditions, timings and the
decisions its workflow took.`,
  examples: ['npm run cli -- status', 'npm run cli -- status default-abcde'],
  flags: TEMPORAL_FLAGS,
};

/** `status [<nodeclaim>]`: every running NodeClaim workflow as a table, or one NodeClaim in full. */
export const runStatus: Command = defineCommand(SPEC, async (args, io) => {
  const rest = args.positional;
  if (rest.length > 1) throw new UsageError(`one NodeClaim at a time; unexpected ${rest.slice(1).join(' ')}`);
  const flags = temporalFlags(args);
  return withTemporal(flags, async (client) => {
    if (rest.length === 1) {
      try {
        io.stdout(stateDetail(await client.workflow.getHandle(nodeClaimWorkflowId(rest[0]!)).query(stateQuery)));
        return 0;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) {
          io.stderr(`no workflow for nodeclaim ${rest[0]}\n`);
          return 1;
        }
        throw err;
      }
    }
    const states: NodeClaimState[] = [];
    for await (const wf of client.workflow.list({
      query: `WorkflowType = "nodeClaimWorkflow" AND ExecutionStatus = "Running"`,
    })) {
      try {
        states.push(await client.workflow.getHandle(wf.workflowId, wf.runId).query(stateQuery));
      } catch {
        // finished between listing and querying
      }
    }
    states.sort((a, b) => a.name.localeCompare(b.name));
    io.stdout(states.length ? stateTable(states, new Date()) : 'no NodeClaim workflows are running\n');
    return 0;
  });
});
