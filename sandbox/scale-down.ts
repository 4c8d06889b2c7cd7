import {
  setHeaderOptions,
  PatchStrategy,
  type AppsV1Api,
  type CoreV1Api,
  type CustomObjectsApi,
} from '@kubernetes/client-node';
import type { Client } from '@temporalio/client';
import { setTimeout as sleep } from 'node:timers/promises';
import { disruptionStateQuery, disruptionWorkflowId } from '../workflows/disruption/messages.js';
import type { DecisionRecord } from '../workflows/disruption/state.js';

export interface ScaleDownSummary {
  ok: boolean;
  report: string;
}

const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

interface ClaimView {
  metadata: { name: string; deletionTimestamp?: string; labels?: Record<string, string> };
}

/**
 * The second half of the seed's promise, shown live: the workload shrinks, the disruption loop finds the nodes it
 * no longer needs (emptiness or consolidation, within the NodePool's budget), launches cheaper capacity first when
 * it replaces, drains, and says what each decision saves.
 */
export async function watchScaleDown(options: {
  core: CoreV1Api;
  apps: AppsV1Api;
  custom: CustomObjectsApi;
  temporal: Client;
  clusterName: string;
  nodePool: string;
  app: string;
  namespace: string;
  replicas: number;
  consolidateAfter: string;
  timeoutMs: number;
  say: (line: string) => void;
}): Promise<ScaleDownSummary> {
  const { core, apps, custom, say } = options;
  // The seed's Provisioner never consolidated (its conversion says consolidateAfter: Never); the demo turns it on.
  await custom.patchClusterCustomObject(
    {
      group: 'karpenter.sh',
      version: 'v1',
      plural: 'nodepools',
      name: options.nodePool,
      body: { spec: { disruption: { consolidateAfter: options.consolidateAfter } } },
    },
    mergePatch
  );
  await apps.patchNamespacedDeploymentScale(
    { name: options.app, namespace: options.namespace, body: { spec: { replicas: options.replicas } } },
    mergePatch
  );
  say(
    `scaled ${options.app} to ${options.replicas} replicas; NodePool "${options.nodePool}" now consolidates after ${options.consolidateAfter}`
  );

  const loop = options.temporal.workflow.getHandle(disruptionWorkflowId(options.clusterName));
  const deadline = Date.now() + options.timeoutMs;
  const seen = new Set<string>();
  const executed: DecisionRecord[] = [];
  let lastLine = '';
  let quietSince: number | undefined;
  while (Date.now() < deadline) {
    const [claims, pods, state] = await Promise.all([
      custom.listClusterCustomObject(NODECLAIMS) as Promise<{ items: ClaimView[] }>,
      core.listNamespacedPod({ namespace: options.namespace, labelSelector: `app=${options.app}` }),
      loop.query(disruptionStateQuery),
    ]);
    const ours = claims.items.filter((c) => c.metadata.labels?.['karpenter.sh/nodepool'] === options.nodePool);
    const deleting = ours.filter((c) => c.metadata.deletionTimestamp).length;
    const running = pods.items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length;
    for (const decision of state.decisions) {
      const key = `${decision.pass}/${decision.at}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (decision.outcome === 'executed') executed.push(decision);
      say(`decision (${decision.outcome}): ${decision.summary}${decision.why ? ` — ${decision.why}` : ''}`);
    }
    const line = `pods ${running}/${options.replicas} Running · NodeClaims ${ours.length - deleting} (+${deleting} draining) · disruption pass ${state.passes}${state.current ? `: ${state.current.step}` : ''}`;
    if (line.replace(/pass \d+/, '') !== lastLine.replace(/pass \d+/, '')) say(line);
    lastLine = line;
    const settled = executed.length > 0 && deleting === 0 && running === options.replicas && !state.current;
    quietSince = settled ? (quietSince ?? Date.now()) : undefined;
    // Settled for a few passes: the loop found nothing more to do.
    if (quietSince !== undefined && Date.now() - quietSince > 8_000) {
      const saved = executed.reduce((sum, d) => sum + d.savingsPerHour, 0);
      return {
        ok: true,
        report: [
          `Scale-down complete: ${executed.length} disruption command(s), $${saved.toFixed(4)}/h saved; ${ours.length} node(s) left.`,
          ...executed.map((d) => `  ${d.method}: ${d.summary}`),
        ].join('\n'),
      };
    }
    await sleep(1000);
  }
  return {
    ok: false,
    report: `Scale-down did not settle within ${options.timeoutMs / 1000} s (see the decisions above).`,
  };
}
