/**
 * Where the provider reads EC2NodeClasses from, and the one write it needs (the status). The Kubernetes-backed
 * pair talks to the `karpenter.k8s.aws/v1` `ec2nodeclasses` resource; the in-memory one serves tests and tools that
 * resolve a node class without a cluster.
 */
import { PatchStrategy, setHeaderOptions, type CustomObjectsApi } from '@kubernetes/client-node';
import type { EC2NodeClass, EC2NodeClassStatus } from './nodeclass.js';

export interface NodeClassSource {
  /** The node class, or undefined when it does not exist. */
  get(name: string): Promise<EC2NodeClass | undefined>;
}

export const EC2NODECLASS_RESOURCE = { group: 'karpenter.k8s.aws', version: 'v1', plural: 'ec2nodeclasses' } as const;

export class InMemoryNodeClasses implements NodeClassSource {
  private readonly byName = new Map<string, EC2NodeClass>();
  async get(name: string): Promise<EC2NodeClass | undefined> {
    const found = this.byName.get(name);
    return found === undefined ? undefined : structuredClone(found);
  }
  put(nodeClass: EC2NodeClass): void {
    this.byName.set(nodeClass.metadata.name ?? '', structuredClone(nodeClass));
  }
  delete(name: string): void {
    this.byName.delete(name);
  }
}

const isNotFound = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;

export function kubernetesNodeClasses(api: CustomObjectsApi): NodeClassSource {
  return {
    async get(name) {
      try {
        return (await api.getClusterCustomObject({ ...EC2NODECLASS_RESOURCE, name })) as EC2NodeClass;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
  };
}

/** A watch cache of EC2NodeClasses (the node class controller's informer). */
export interface NodeClassCache {
  get(name: string): EC2NodeClass | undefined;
}

/**
 * Reads EC2NodeClasses from a watch cache once one is attached, as Karpenter reads them from its informer, so a launch
 * or a provisioning round does not wait for an API round trip. Before the cache is attached, and for a name the cache
 * has not seen (a class created a moment ago), it asks `fallback`.
 */
export function watchCachedNodeClasses(fallback: NodeClassSource): NodeClassSource & {
  attach(cache: NodeClassCache): void;
} {
  let cache: NodeClassCache | undefined;
  return {
    attach(attached) {
      cache = attached;
    },
    async get(name) {
      const cached = cache?.get(name);
      // A copy: callers may add defaults to what they read, and the cache's object is shared.
      return cached !== undefined ? structuredClone(cached) : fallback.get(name);
    },
  };
}

/** Writes the resolved status through the status subresource (a merge patch: the same status twice is a no-op). */
export async function writeNodeClassStatus(
  api: CustomObjectsApi,
  name: string,
  status: EC2NodeClassStatus
): Promise<void> {
  await api.patchClusterCustomObjectStatus(
    { ...EC2NODECLASS_RESOURCE, name, body: { status } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
  );
}

/** Records the static-spec hash on the EC2NodeClass (Karpenter's `karpenter.k8s.aws/ec2nodeclass-hash` annotations). */
export async function writeNodeClassAnnotations(
  api: CustomObjectsApi,
  name: string,
  annotations: Record<string, string>
): Promise<void> {
  await api.patchClusterCustomObject(
    { ...EC2NODECLASS_RESOURCE, name, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
  );
}
