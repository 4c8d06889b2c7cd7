import { Context } from '@temporalio/activity';
import type { V1Node } from '@kubernetes/client-node';
import type { ClusterSnapshotSource } from '../adapters/kubernetes/cluster-snapshot.js';
import type { CloudProvider } from '../core/cloudprovider/cloudprovider.js';
import { isNodeClaimNotFoundError } from '../core/cloudprovider/errors.js';
import type { LifecycleKubernetes } from './nodeclaim/ports.js';

export interface GarbageCollected {
  terminatedInstances: string[];
  deletedNodeClaims: string[];
}

interface ClaimView {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { providerID?: string; nodeName?: string; conditions?: { type: string; status: string }[] };
}

/** Karpenter's two collectors: AWS `instance.garbagecollection` and core `nodeclaim.garbagecollection`. */
export function createGarbageCollectionActivities(deps: {
  cloud: Pick<CloudProvider, 'list' | 'delete' | 'get'>;
  snapshot: ClusterSnapshotSource;
  lifecycle: Pick<LifecycleKubernetes, 'deleteNode' | 'deleteNodeClaim'>;
  /** An instance younger than this may belong to a NodeClaim whose status is not written yet. */
  minAgeMs?: number;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  const minAgeMs = deps.minAgeMs ?? 30_000;
  return {
    async collectGarbage(): Promise<GarbageCollected> {
      const [instances, snapshot] = await Promise.all([deps.cloud.list(), deps.snapshot.read()]);
      const claims = snapshot.nodeClaims as unknown as ClaimView[];
      const claimedIDs = new Set(claims.map((c) => c.status?.providerID).filter(Boolean));
      const claimNames = new Set(claims.map((c) => c.metadata.name));
      const nodes = snapshot.nodes as V1Node[];
      const result: GarbageCollected = { terminatedInstances: [], deletedNodeClaims: [] };
      for (const instance of instances) {
        if (claimedIDs.has(instance.providerID)) continue;
        // A NodeClaim still launching has no providerID in its status yet, but its instance carries its name.
        if (instance.nodeClaimName && claimNames.has(instance.nodeClaimName)) continue;
        if (now().getTime() - Date.parse(instance.launchTime) < minAgeMs) continue;
        await deps.cloud
          .delete({
            metadata: { name: instance.nodeClaimName ?? '' },
            spec: { requirements: [], nodeClassRef: { group: '', kind: '', name: '' } },
            status: { providerID: instance.providerID },
          } as Parameters<CloudProvider['delete']>[0])
          .catch((err: unknown) => {
            if (!isNodeClaimNotFoundError(err)) throw err;
          });
        for (const node of nodes.filter((n) => n.spec?.providerID === instance.providerID))
          await deps.lifecycle.deleteNode(node.metadata!.name!);
        result.terminatedInstances.push(instance.providerID);
        Context.current().heartbeat(instance.providerID);
      }
      const live = new Set(instances.map((i) => i.providerID));
      for (const claim of claims) {
        const providerID = claim.status?.providerID;
        if (!providerID || live.has(providerID) || claim.metadata.deletionTimestamp) continue;
        if (!claim.status?.conditions?.some((c) => c.type === 'Registered' && c.status === 'True')) continue;
        const node = nodes.find((n) => n.metadata?.name === claim.status?.nodeName);
        if (node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
        // The list may be a moment old: ask for this one instance before deleting what claims it.
        const gone = await deps.cloud.get(providerID).then(
          () => false,
          (err: unknown) => {
            if (isNodeClaimNotFoundError(err)) return true;
            throw err;
          }
        );
        if (!gone) continue;
        await deps.lifecycle.deleteNodeClaim(claim.metadata.name);
        result.deletedNodeClaims.push(claim.metadata.name);
      }
      return result;
    },
  };
}

export type GarbageCollectionActivities = ReturnType<typeof createGarbageCollectionActivities>;
