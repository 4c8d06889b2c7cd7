import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LifecycleSweepPort } from '../activities/lifecycle-sweep.js';
import type { LifecycleNotifier } from '../adapters/kubernetes/nodeclaim-watcher.js';
import {
  instanceGoneSignal,
  nodeClaimDeletingSignal,
  nodeClaimWorkflowId,
  nodeDeletingSignal,
  nodeObservedSignal,
} from '../workflows/nodeclaim/messages.js';
import type { LifecycleSettings, NodeClaimWorkflowInput } from '../workflows/nodeclaim/state.js';

/** The watcher's notifications as Temporal calls: start with USE_EXISTING, signals that ignore finished runs. */
export function temporalLifecycleNotifier(
  client: Client,
  taskQueue: string,
  settings: Partial<LifecycleSettings>
): LifecycleNotifier {
  const signal = signalIgnoringFinished;
  return {
    async ensureStarted(name) {
      const input: NodeClaimWorkflowInput = { nodeClaimName: name, settings };
      await client.workflow.start('nodeClaimWorkflow', {
        workflowId: nodeClaimWorkflowId(name),
        taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: `NodeClaim ${name}`,
      });
    },
    nodeClaimDeleting: (name) => signal(name, (id) => client.workflow.getHandle(id).signal(nodeClaimDeletingSignal)),
    nodeObserved: (name, node) => signal(name, (id) => client.workflow.getHandle(id).signal(nodeObservedSignal, node)),
    nodeDeleting: (name) => signal(name, (id) => client.workflow.getHandle(id).signal(nodeDeletingSignal)),
  };
}

async function signalIgnoringFinished(name: string, send: (id: string) => Promise<void>): Promise<void> {
  try {
    await send(nodeClaimWorkflowId(name));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return; // finished or not started yet: nothing to tell
    throw err;
  }
}

const NODECLAIM_WORKFLOW_PREFIX = nodeClaimWorkflowId('');

/**
 * The lifecycle sweep's view of the NodeClaim workflows: the Running ones from Temporal visibility (the phase is a
 * search attribute every NodeClaim workflow keeps current), and the same signals the watcher sends.
 */
export function temporalLifecycleSweepPort(client: Client, taskQueue: string): LifecycleSweepPort {
  const query = [
    `WorkflowType = 'nodeClaimWorkflow'`,
    `ExecutionStatus = 'Running'`,
    `KarpenterPhase = 'Running'`,
    `TaskQueue = '${taskQueue}'`,
  ].join(' AND ');
  return {
    async runningNodeClaims() {
      const names: string[] = [];
      for await (const execution of client.workflow.list({ query }))
        if (execution.workflowId.startsWith(NODECLAIM_WORKFLOW_PREFIX))
          names.push(execution.workflowId.slice(NODECLAIM_WORKFLOW_PREFIX.length));
      return names;
    },
    async report(name, lost) {
      const send = {
        NodeClaim: (id: string) => client.workflow.getHandle(id).signal(nodeClaimDeletingSignal),
        Node: (id: string) => client.workflow.getHandle(id).signal(nodeDeletingSignal),
        Instance: (id: string) => client.workflow.getHandle(id).signal(instanceGoneSignal),
      }[lost];
      await signalIgnoringFinished(name, send);
    },
  };
}
