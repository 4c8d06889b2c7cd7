/**
 * The two things the kwok provider reads and writes in Kubernetes, behind narrow ports (as the EC2 provider has its
 * `Ec2Api`): Node objects, which are its "instances", and KWOKNodeClasses. The in-memory versions serve unit tests.
 */
import { CoreV1Api, type CustomObjectsApi, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { KWOKNodeClass } from '../../apis/kwok/kwoknodeclass.js';

/** Node CRUD. `get` answers undefined for a missing Node; `delete` answers false when there was nothing to delete. */
export interface KwokNodeApi {
  get(name: string): Promise<V1Node | undefined>;
  /** Creates the Node; answers false when a Node of that name already exists (the caller decides whose it is). */
  create(node: V1Node): Promise<boolean>;
  delete(name: string): Promise<boolean>;
  list(): Promise<V1Node[]>;
}

/** KWOKNodeClasses by name; undefined when there is none. */
export interface KwokNodeClassSource {
  get(name: string): Promise<KWOKNodeClass | undefined>;
}

const statusOf = (err: unknown): number | undefined => (err as { code?: number }).code;

export function kubernetesKwokNodes(kubeConfig: KubeConfig): KwokNodeApi {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  return {
    async get(name) {
      try {
        return await core.readNode({ name });
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
    async create(node) {
      try {
        await core.createNode({ body: node });
        return true;
      } catch (err) {
        if (statusOf(err) === 409) return false;
        throw err;
      }
    },
    async delete(name) {
      try {
        await core.deleteNode({ name });
        return true;
      } catch (err) {
        if (statusOf(err) === 404) return false;
        throw err;
      }
    },
    async list() {
      return (await core.listNode()).items;
    },
  };
}

export function kubernetesKwokNodeClasses(objects: CustomObjectsApi): KwokNodeClassSource {
  return {
    async get(name) {
      try {
        return (await objects.getClusterCustomObject({
          group: 'karpenter.kwok.sh',
          version: 'v1alpha1',
          plural: 'kwoknodeclasses',
          name,
        })) as KWOKNodeClass;
      } catch (err) {
        if (statusOf(err) === 404) return undefined;
        throw err;
      }
    },
  };
}

/** Nodes in memory, with the apiserver's semantics that matter here: finalizers hold a deleted Node. */
export class InMemoryKwokNodes implements KwokNodeApi {
  readonly nodes = new Map<string, V1Node>();
  /** One-shot error for the next call of that verb, as Karpenter's fakes take `NextError`. */
  nextError: Partial<Record<'get' | 'create' | 'delete' | 'list', Error>> = {};
  readonly calls: string[] = [];

  private take(verb: 'get' | 'create' | 'delete' | 'list'): void {
    this.calls.push(verb);
    const err = this.nextError[verb];
    if (err) {
      delete this.nextError[verb];
      throw err;
    }
  }

  async get(name: string): Promise<V1Node | undefined> {
    this.take('get');
    const node = this.nodes.get(name);
    return node && structuredClone(node);
  }
  async create(node: V1Node): Promise<boolean> {
    this.take('create');
    const name = node.metadata!.name!;
    if (this.nodes.has(name)) return false;
    this.nodes.set(name, {
      ...structuredClone(node),
      metadata: { ...structuredClone(node.metadata), creationTimestamp: new Date('2026-12-01T00:00:00Z') },
    });
    return true;
  }
  async delete(name: string): Promise<boolean> {
    this.take('delete');
    const node = this.nodes.get(name);
    if (!node) return false;
    if ((node.metadata?.finalizers ?? []).length > 0) {
      node.metadata!.deletionTimestamp ??= new Date('2026-12-01T00:01:00Z');
    } else {
      this.nodes.delete(name);
    }
    return true;
  }
  async list(): Promise<V1Node[]> {
    this.take('list');
    return [...this.nodes.values()].map((n) => structuredClone(n));
  }
}

export class InMemoryKwokNodeClasses implements KwokNodeClassSource {
  readonly classes = new Map<string, KWOKNodeClass>();
  put(nodeClass: KWOKNodeClass): void {
    this.classes.set(nodeClass.metadata.name!, nodeClass);
  }
  async get(name: string): Promise<KWOKNodeClass | undefined> {
    return this.classes.get(name);
  }
}
