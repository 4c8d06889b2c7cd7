import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { LifecycleNotifier } from '../adapters/kubernetes/nodeclaim-watcher.js';
import {
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
  const signal = async (name: string, send: (id: string) => Promise<void>): Promise<void> => {
    try {
      await send(nodeClaimWorkflowId(name));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return; // finished or not started yet: nothing to tell
      throw err;
    }
  };
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
