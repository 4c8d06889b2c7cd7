import type { NodeClaimLike } from '../../core/cloudprovider/cloudprovider.js';
import type { Condition } from '../../core/lifecycle/conditions.js';
import type { DrainPod } from '../../core/lifecycle/drain.js';
import type { NodeObservation } from '../../core/lifecycle/node-observation.js';

type Taint = { key: string; value?: string; effect: string };

/** A NodeClaim as the lifecycle reads it: plain JSON, small enough for workflow history. */
export interface NodeClaimSnapshot extends NodeClaimLike {
  metadata: NodeClaimLike['metadata'] & { uid: string; deletionTimestamp?: string; creationTimestamp?: string };
  spec: NodeClaimLike['spec'] & { expireAfter?: string; terminationGracePeriod?: string };
  status?: NodeClaimLike['status'] & { conditions?: Condition[] };
}

export interface NodeSync {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Taints the Node must carry (NodeClaim taints and startup taints), merged with what it has. */
  taints: Taint[];
  /** Taints to take off (the unregistered taint once the Node is synced). */
  removeTaints: { key: string; effect: string }[];
  finalizer: string;
  owner: { apiVersion: string; kind: string; name: string; uid: string };
}

export type EvictionResult = 'evicted' | 'gone' | 'blocked';

/** Everything the NodeClaim lifecycle does to the Kubernetes API. Implemented in adapters/kubernetes. */
export interface LifecycleKubernetes {
  getNodeClaim(name: string): Promise<NodeClaimSnapshot | undefined>;
  /** Adds the termination finalizer (optimistic lock); undefined when the NodeClaim does not exist. */
  addNodeClaimFinalizer(name: string, finalizer: string): Promise<NodeClaimSnapshot | undefined>;
  removeNodeClaimFinalizer(name: string, finalizer: string): Promise<void>;
  /** Sets the deletionTimestamp (the finalizer keeps the object); a missing NodeClaim is fine. */
  deleteNodeClaim(name: string): Promise<void>;
  patchNodeClaimMetadata(
    name: string,
    labels: Record<string, string>,
    annotations: Record<string, string>
  ): Promise<void>;
  writeNodeClaimStatus(name: string, status: Record<string, unknown>): Promise<void>;

  findNodeByProviderID(providerID: string): Promise<NodeObservation | undefined>;
  getNode(name: string): Promise<NodeObservation | undefined>;
  syncNode(name: string, sync: NodeSync): Promise<void>;
  patchNodeLabels(name: string, labels: Record<string, string | null>): Promise<void>;
  addNodeTaint(name: string, taint: Taint): Promise<void>;
  removeNodeTaint(name: string, taint: { key: string; effect: string }): Promise<void>;
  deleteNode(name: string): Promise<void>;
  removeNodeFinalizer(name: string, finalizer: string): Promise<void>;

  listPodsOnNode(nodeName: string): Promise<DrainPod[]>;
  evictPod(pod: DrainPod): Promise<EvictionResult>;
  deletePod(pod: DrainPod, gracePeriodSeconds: number): Promise<void>;
  volumeAttachmentsOnNode(nodeName: string): Promise<string[]>;
}
