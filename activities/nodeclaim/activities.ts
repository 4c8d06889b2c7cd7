import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CloudProvider, LaunchedNodeClaim } from '../../core/cloudprovider/cloudprovider.js';
import { CloudProviderErrorType } from '../../core/cloudprovider/errors.js';
import { DO_NOT_DISRUPT_ANNOTATION, doNotDisruptActive } from '../../core/lifecycle/do-not-disrupt.js';
import { planDrain, podKey } from '../../core/lifecycle/drain.js';
import type { NodeObservation } from '../../core/lifecycle/node-observation.js';
import { TERMINATION_FINALIZER } from '../../core/provisioning/nodeclaim-manifest.js';
import { withHeartbeat } from '../heartbeat.js';
import { noopMetrics, type AutoscalerMetrics } from '../metrics.js';
import type { LifecycleKubernetes, NodeClaimSnapshot, NodeSync } from './ports.js';

export { TERMINATION_FINALIZER };
export const DISRUPTED_TAINT = { key: 'karpenter.sh/disrupted', effect: 'NoSchedule' } as const;
const EXCLUDE_FROM_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** What one drain step did and what is left; shown in the workflow's details and Drained condition. */
export interface DrainProgress {
  remaining: number;
  evicted: string[];
  forceDeleted: string[];
  blockedByBudget: string[];
  blockedByDoNotDisrupt: string[];
  tier?: number;
  nodeGone: boolean;
}

function typeOf(err: unknown): string | undefined {
  const t = (err as { type?: unknown }).type;
  return typeof t === 'string' ? t : undefined;
}

/**
 * Activities of the NodeClaim lifecycle. Each is idempotent: a retry after a crash repeats a read or re-applies
 * the same write, and cloud create is idempotent per NodeClaim uid.
 */
/** Tags an instance once its Node registered (EC2: `Name=<node name>`, as Karpenter's tagging controller does). */
export interface RegisteredInstanceTagger {
  tagRegisteredInstance(providerID: string, nodeName: string, nodeClaimName: string): Promise<void>;
}

export function createNodeClaimActivities(deps: {
  kube: LifecycleKubernetes;
  cloud: CloudProvider;
  tagger?: RegisteredInstanceTagger;
  metrics?: AutoscalerMetrics;
}) {
  const { kube, cloud } = deps;
  const metrics = deps.metrics ?? noopMetrics;

  /** One drain step: evict the current tier through the Eviction API, force-delete what the deadline requires. */
  async function drainOnce(nodeName: string, deadline: string | null): Promise<DrainProgress> {
    const node = await kube.getNode(nodeName);
    if (!node) {
      return {
        remaining: 0,
        evicted: [],
        forceDeleted: [],
        blockedByBudget: [],
        blockedByDoNotDisrupt: [],
        nodeGone: true,
      };
    }
    const pods = await kube.listPodsOnNode(nodeName);
    const plan = planDrain(pods, new Date(), deadline ? new Date(deadline) : undefined);
    const progress: DrainProgress = {
      remaining: plan.remaining,
      evicted: [],
      forceDeleted: [],
      blockedByBudget: [],
      blockedByDoNotDisrupt: plan.blocked.map(podKey),
      ...(plan.tier === undefined ? {} : { tier: plan.tier }),
      nodeGone: false,
    };
    for (const { pod, gracePeriodSeconds } of plan.forceDelete) {
      await kube.deletePod(pod, gracePeriodSeconds);
      progress.forceDeleted.push(podKey(pod));
    }
    for (const pod of plan.evict) {
      const result = await kube.evictPod(pod);
      if (result === 'blocked') progress.blockedByBudget.push(podKey(pod));
      else progress.evicted.push(podKey(pod));
    }
    if (progress.blockedByBudget.length > 0) {
      log.info('eviction refused by a PodDisruptionBudget', { node: nodeName, pods: progress.blockedByBudget });
    }
    return progress;
  }

  /** The hourly price of the offering the instance was launched on, from the catalogue the provider launched from. */
  async function priceOf(nodeClaim: NodeClaimSnapshot, launched: LaunchedNodeClaim): Promise<{ price?: number }> {
    try {
      const types = await cloud.getInstanceTypes({
        metadata: { name: nodeClaim.metadata.labels?.['karpenter.sh/nodepool'] ?? nodeClaim.metadata.name },
        spec: {
          template: { spec: { requirements: nodeClaim.spec.requirements, nodeClassRef: nodeClaim.spec.nodeClassRef } },
        },
      });
      const type = types.find((t) => t.name === launched.labels['node.kubernetes.io/instance-type']);
      const offering = type?.offerings.find(
        (o) =>
          o.zone === launched.labels['topology.kubernetes.io/zone'] &&
          o.capacityType === launched.labels['karpenter.sh/capacity-type']
      );
      return offering ? { price: offering.price } : {};
    } catch {
      return {}; // the price is for display; a launch never fails for want of it
    }
  }

  return {
    /** Reads the NodeClaim and makes sure it carries the termination finalizer before anything is launched. */
    async claimNodeClaim(name: string): Promise<NodeClaimSnapshot | null> {
      return (await kube.addNodeClaimFinalizer(name, TERMINATION_FINALIZER)) ?? null;
    },

    async readNodeClaim(name: string): Promise<NodeClaimSnapshot | null> {
      return (await kube.getNodeClaim(name)) ?? null;
    },

    /** Cloud create, with the port's typed errors turned into failure types the workflow branches on. */
    async launchInstance(nodeClaim: NodeClaimSnapshot): Promise<LaunchedNodeClaim & { price?: number }> {
      try {
        const launched = await withHeartbeat(() => cloud.create(nodeClaim));
        return { ...launched, ...(await priceOf(nodeClaim, launched)) };
      } catch (err) {
        const type = typeOf(err);
        const message = (err as Error).message;
        if (type === CloudProviderErrorType.InsufficientCapacity || type === CloudProviderErrorType.NodeClassNotReady) {
          throw ApplicationFailure.nonRetryable(
            message,
            type,
            (err as { unavailableOfferings?: unknown }).unavailableOfferings
          );
        }
        if (type === CloudProviderErrorType.CreateError) {
          const reason = (err as { conditionReason?: string }).conditionReason ?? 'LaunchFailed';
          throw ApplicationFailure.nonRetryable(message, type, { reason });
        }
        throw err;
      }
    },

    async recordLaunch(
      name: string,
      labels: Record<string, string>,
      annotations: Record<string, string>,
      status: Record<string, unknown>
    ): Promise<void> {
      await kube.patchNodeClaimMetadata(name, labels, annotations);
      await kube.writeNodeClaimStatus(name, status);
    },

    async writeNodeClaimStatus(name: string, status: Record<string, unknown>): Promise<void> {
      await kube.writeNodeClaimStatus(name, status);
    },

    async findNode(providerID: string): Promise<NodeObservation | null> {
      return (await kube.findNodeByProviderID(providerID)) ?? null;
    },

    async readNode(name: string): Promise<NodeObservation | null> {
      return (await kube.getNode(name)) ?? null;
    },

    async syncNode(name: string, sync: NodeSync): Promise<void> {
      await kube.syncNode(name, sync);
    },

    async tagRegisteredInstance(providerID: string, nodeName: string, nodeClaimName: string): Promise<void> {
      await deps.tagger?.tagRegisteredInstance(providerID, nodeName, nodeClaimName);
    },

    async labelNode(name: string, labels: Record<string, string | null>): Promise<void> {
      await kube.patchNodeLabels(name, labels);
    },

    /** Pods (and the node) protected by `karpenter.sh/do-not-disrupt` right now, as `namespace/name`. */
    async disruptionBlockers(nodeName: string): Promise<string[]> {
      const now = new Date();
      const node = await kube.getNode(nodeName);
      const nodeBlocked = node?.doNotDisrupt === 'true' ? [`node ${nodeName} (${DO_NOT_DISRUPT_ANNOTATION}=true)`] : [];
      const pods = await kube.listPodsOnNode(nodeName);
      return nodeBlocked.concat(
        pods
          .filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed')
          .filter((p) => doNotDisruptActive(p.doNotDisrupt, p.startTime ? new Date(p.startTime) : undefined, now))
          .map((p) => `pod ${podKey(p)} (${DO_NOT_DISRUPT_ANNOTATION}=${p.doNotDisrupt})`)
      );
    },

    /** Sets the NodeClaim's deletionTimestamp (the finalizer holds it) and returns it. */
    async deleteNodeClaim(name: string): Promise<string | null> {
      await kube.deleteNodeClaim(name);
      return (await kube.getNodeClaim(name))?.metadata.deletionTimestamp ?? null;
    },

    /** `karpenter.sh/disrupted:NoSchedule` keeps new pods off, and load balancers stop sending traffic. */
    async taintDisrupted(nodeName: string): Promise<void> {
      await kube.addNodeTaint(nodeName, { ...DISRUPTED_TAINT });
      await kube.patchNodeLabels(nodeName, { [EXCLUDE_FROM_LB]: 'karpenter' });
    },

    async untaintDisrupted(nodeName: string): Promise<void> {
      await kube.removeNodeTaint(nodeName, DISRUPTED_TAINT);
      await kube.patchNodeLabels(nodeName, { [EXCLUDE_FROM_LB]: null });
    },

    /** One drain step: evict the current tier through the Eviction API, force-delete what the deadline requires. */
    async drainStep(nodeName: string, deadline: string | null): Promise<DrainProgress> {
      return withHeartbeat(() => drainOnce(nodeName, deadline));
    },

    async volumeAttachments(nodeName: string): Promise<string[]> {
      return kube.volumeAttachmentsOnNode(nodeName);
    },

    /** Terminates the instance and repeats until the cloud says it is gone (Karpenter requeues every 5 s). */
    async terminateInstance(nodeClaim: NodeClaimSnapshot, pollMs: number): Promise<void> {
      for (;;) {
        try {
          await cloud.delete(nodeClaim);
        } catch (err) {
          if (typeOf(err) === CloudProviderErrorType.NodeClaimNotFound) {
            metrics.nodeClaimTerminated(nodeClaim.metadata.labels?.['karpenter.sh/nodepool'] ?? '');
            return;
          }
          throw err;
        }
        Context.current().heartbeat();
        await Context.current().sleep(pollMs);
      }
    },

    async instanceExists(providerID: string): Promise<boolean> {
      try {
        const instance = await cloud.get(providerID);
        return instance.state !== 'terminated' && instance.state !== 'shutting-down';
      } catch (err) {
        if (typeOf(err) === CloudProviderErrorType.NodeClaimNotFound) return false;
        throw err;
      }
    },

    /** Deletes the Node and lifts our finalizer from it, so it goes once its instance is gone. */
    async releaseNode(nodeName: string): Promise<void> {
      await kube.deleteNode(nodeName);
      await kube.removeNodeFinalizer(nodeName, TERMINATION_FINALIZER);
    },

    async releaseNodeClaim(name: string): Promise<void> {
      await kube.removeNodeClaimFinalizer(name, TERMINATION_FINALIZER);
    },
  };
}

export type NodeClaimActivities = ReturnType<typeof createNodeClaimActivities>;
