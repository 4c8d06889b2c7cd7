import { Context } from '@temporalio/activity';
import type { V1Node } from '@kubernetes/client-node';
import type { ClusterSnapshotSource } from '../adapters/kubernetes/cluster-snapshot.js';
import type { CloudProvider } from '../core/cloudprovider/cloudprovider.js';
import { isNodeClaimNotFoundError } from '../core/cloudprovider/errors.js';
import { findLostParts, type LostNodeClaimPart, type LostPart } from '../core/lifecycle/lost-parts.js';
import type { LifecycleKubernetes } from './nodeclaim/ports.js';

/** The NodeClaim workflows as the sweep sees them. Implemented over the Temporal client in workers/. */
export interface LifecycleSweepPort {
  /** Names of the NodeClaims whose lifecycle workflow is in its Running phase. */
  runningNodeClaims(): Promise<string[]>;
  /** Tells one NodeClaim's workflow what it lost (a signal; a finished workflow is fine). */
  report(nodeClaimName: string, lost: LostPart): Promise<void>;
}

interface ClaimView {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { providerID?: string; nodeName?: string };
}

/**
 * The safety net under the watcher's signals, once per garbage-collection pass for the whole cluster instead of a
 * timer in every NodeClaim workflow: running NodeClaims whose NodeClaim, Node or instance vanished while no worker
 * watched (a finalizer removed by hand, a signal lost to an outage) are told so, and terminate as they would have.
 */
export function createLifecycleSweepActivities(deps: {
  lifecycles: LifecycleSweepPort;
  snapshot: ClusterSnapshotSource;
  cloud: Pick<CloudProvider, 'list' | 'get'>;
  kube: Pick<LifecycleKubernetes, 'getNodeClaim' | 'getNode'>;
}) {
  /** A direct read of the one object: the lists may be a moment old, and a wrong report terminates a node. */
  async function confirmed(finding: LostNodeClaimPart, nodeName: string | undefined, providerID?: string) {
    switch (finding.lost) {
      case 'NodeClaim': {
        const claim = await deps.kube.getNodeClaim(finding.nodeClaim);
        return !claim || Boolean(claim.metadata.deletionTimestamp);
      }
      case 'Node': {
        const node = nodeName ? await deps.kube.getNode(nodeName) : undefined;
        return !node || node.deleting;
      }
      case 'Instance':
        return deps.cloud.get(providerID!).then(
          (instance) => instance.state === 'terminated' || instance.state === 'shutting-down',
          (err: unknown) => {
            if (isNodeClaimNotFoundError(err)) return true;
            throw err;
          }
        );
    }
  }

  return {
    async sweepLifecycles(): Promise<LostNodeClaimPart[]> {
      const running = await deps.lifecycles.runningNodeClaims();
      if (running.length === 0) return [];
      const [snapshot, instances] = await Promise.all([deps.snapshot.read(), deps.cloud.list()]);
      const claims = (snapshot.nodeClaims as unknown as ClaimView[]).map((c) => ({
        name: c.metadata.name,
        deleting: Boolean(c.metadata.deletionTimestamp),
        ...(c.status?.nodeName ? { nodeName: c.status.nodeName } : {}),
        ...(c.status?.providerID ? { providerID: c.status.providerID } : {}),
      }));
      const nodes = (snapshot.nodes as V1Node[]).map((n) => ({
        name: n.metadata?.name ?? '',
        deleting: Boolean(n.metadata?.deletionTimestamp),
      }));
      const findings = findLostParts(running, claims, nodes, new Set(instances.map((i) => i.providerID)));
      const byName = new Map(claims.map((c) => [c.name, c]));
      const reported: LostNodeClaimPart[] = [];
      for (const finding of findings) {
        const claim = byName.get(finding.nodeClaim);
        if (!(await confirmed(finding, claim?.nodeName, claim?.providerID))) continue;
        await deps.lifecycles.report(finding.nodeClaim, finding.lost);
        reported.push(finding);
        Context.current().heartbeat(finding.nodeClaim);
      }
      return reported;
    },
  };
}

export type LifecycleSweepActivities = ReturnType<typeof createLifecycleSweepActivities>;
