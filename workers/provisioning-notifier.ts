import type { Client } from '@temporalio/client';
import type { ProvisionerNotifier } from '../adapters/kubernetes/pod-watcher.js';
import { podsPendingSignal, provisioningWorkflowId } from '../workflows/provisioning/messages.js';
import type { ProvisioningSettings, ProvisioningWorkflowInput } from '../workflows/provisioning/state.js';

/** Pending pods reach the cluster's one provisioner by signal-with-start: it is started on the first pod. */
export function temporalProvisionerNotifier(
  client: Client,
  taskQueue: string,
  clusterName: string,
  settings: Partial<ProvisioningSettings>
): ProvisionerNotifier {
  return {
    async podsPending(keys) {
      const input: ProvisioningWorkflowInput = { clusterName, settings };
      await client.workflow.signalWithStart('provisioningWorkflow', {
        workflowId: provisioningWorkflowId(clusterName),
        taskQueue,
        args: [input],
        signal: podsPendingSignal,
        signalArgs: [keys],
        staticSummary: `Provisioner of cluster ${clusterName}`,
      });
    },
  };
}
