import { beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import type { KWOKNodeClass } from '../../apis/kwok/kwoknodeclass.js';
import type { NodeClaimLike } from '../../core/cloudprovider/index.js';
import {
  createKwokCloudProvider,
  KWOK_NODE_KEY,
  NODECLAIM_UID_ANNOTATION,
  toKwokApiError,
  type KwokCloudProvider,
} from './cloudprovider.js';
import { genericInstanceTypeOptions, parseCatalogue, toInstanceTypes } from './instancetypes.js';
import { InMemoryKwokNodeClasses, InMemoryKwokNodes } from './nodes.js';

const nodeClass = (name: string, spec: KWOKNodeClass['spec'] = {}, ready?: 'True' | 'False'): KWOKNodeClass => ({
  apiVersion: 'karpenter.kwok.sh/v1alpha1',
  kind: 'KWOKNodeClass',
  metadata: { name },
  spec,
  ...(ready
    ? {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: ready,
              reason: ready === 'True' ? 'Ready' : 'Broken',
              message: 'broken',
              lastTransitionTime: '2026-12-01T00:00:00Z',
            },
          ],
        },
      }
    : {}),
});

const claim = (
  name: string,
  requirements: NodeClaimLike['spec']['requirements'],
  options: { uid?: string; classRef?: NodeClaimLike['spec']['nodeClassRef']; requests?: Record<string, string> } = {}
): NodeClaimLike => ({
  metadata: { name, uid: options.uid ?? `uid-${name}`, labels: { 'karpenter.sh/nodepool': 'default' } },
  spec: {
    requirements: [{ key: 'karpenter.sh/nodepool', operator: 'In', values: ['default'] }, ...requirements],
    nodeClassRef: options.classRef ?? { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
    ...(options.requests ? { resources: { requests: options.requests } } : {}),
  },
});

const pool = (ref = { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' }) => ({
  metadata: { name: 'default' },
  spec: { template: { spec: { requirements: [], nodeClassRef: ref } } },
});

describe('the kwok catalogue', () => {
  it('should bundle exactly the generic catalogue: 72 linux types over 3 families, 12 sizes and 2 architectures', () => {
    const bundled = parseCatalogue(readFileSync(new URL('./instance-types.json', import.meta.url), 'utf8'));
    expect(bundled).toEqual(parseCatalogue(JSON.stringify(genericInstanceTypeOptions())));
    expect(bundled).toHaveLength(72);
    expect(new Set(bundled.map((t) => t.name.split('-')[0]))).toEqual(new Set(['c', 's', 'm']));
    expect(bundled.every((t) => t.offerings.length === 8)).toBe(true);
  });

  it('should price spot at 70% of on-demand and label family, size, cpu and memory', () => {
    const [type] = toInstanceTypes(parseCatalogue(JSON.stringify(genericInstanceTypeOptions().slice(2, 3))));
    expect(type!.name).toBe('s-1x-amd64-linux');
    const od = type!.offerings.find((o) => o.capacityType === 'on-demand')!.price;
    const spot = type!.offerings.find((o) => o.capacityType === 'spot')!.price;
    expect(spot / od).toBeCloseTo(0.7, 4);
    expect(type!.capacity).toEqual({ cpu: 1000, memory: 4 * 1024 ** 3, pods: 16, 'ephemeral-storage': 20 * 1024 ** 3 });
    expect(type!.overhead.kubeReserved).toEqual({ cpu: 100, memory: 10 * 1024 ** 2 });
    expect(type!.requirements).toEqual(
      expect.arrayContaining([
        { key: 'karpenter.kwok.sh/instance-family', operator: 'In', values: ['s'] },
        { key: 'karpenter.kwok.sh/instance-size', operator: 'In', values: ['1'] },
        { key: 'karpenter.kwok.sh/instance-memory', operator: 'In', values: ['4096'] },
        {
          key: 'topology.kubernetes.io/zone',
          operator: 'In',
          values: ['test-zone-a', 'test-zone-b', 'test-zone-c', 'test-zone-d'],
        },
      ])
    );
  });

  it('should refuse a file with a duplicate or malformed entry, naming it', () => {
    const one = genericInstanceTypeOptions()[0]!;
    expect(() => parseCatalogue(JSON.stringify([one, one]))).toThrow(/appears twice/);
    expect(() => parseCatalogue(JSON.stringify([{ ...one, offerings: [] }]))).toThrow(/0\.offerings/);
    expect(() => parseCatalogue('nope')).toThrow(expect.objectContaining({ type: 'KwokCatalogueInvalid' }));
  });
});

describe('the kwok cloud provider', () => {
  let nodes: InMemoryKwokNodes;
  let classes: InMemoryKwokNodeClasses;
  let provider: KwokCloudProvider;

  beforeEach(() => {
    nodes = new InMemoryKwokNodes();
    classes = new InMemoryKwokNodeClasses();
    classes.put(nodeClass('default'));
    provider = createKwokCloudProvider({ nodes, nodeClasses: classes });
  });

  it('should create a kwok Node for the cheapest compatible offering, tainted unregistered', async () => {
    const launched = await provider.create(
      claim('nc-a', [{ key: 'karpenter.kwok.sh/instance-family', operator: 'In', values: ['c'] }], {
        requests: { cpu: '1500m' },
      })
    );
    expect(launched.providerID).toBe('kwok://nc-a');
    expect(launched.labels).toMatchObject({
      'node.kubernetes.io/instance-type': 'c-2x-amd64-linux',
      'karpenter.sh/capacity-type': 'spot',
      'topology.kubernetes.io/zone': 'test-zone-a',
      'kubernetes.io/arch': 'amd64',
    });
    const node = nodes.nodes.get('nc-a')!;
    expect(node.metadata?.annotations).toMatchObject({
      [KWOK_NODE_KEY]: 'fake',
      [NODECLAIM_UID_ANNOTATION]: 'uid-nc-a',
    });
    expect(node.spec?.taints).toEqual([{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }]);
    expect(node.status?.allocatable).toMatchObject({ cpu: '1900m', pods: '32' });
  });

  it('should honour zone, capacity type and arch requirements', async () => {
    const launched = await provider.create(
      claim('nc-b', [
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['test-zone-c'] },
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] },
      ])
    );
    expect(launched.labels).toMatchObject({
      'topology.kubernetes.io/zone': 'test-zone-c',
      'karpenter.sh/capacity-type': 'on-demand',
      'kubernetes.io/arch': 'arm64',
    });
  });

  it('should be idempotent per NodeClaim: a repeat returns the same Node, another uid is refused', async () => {
    const first = await provider.create(claim('nc-c', []));
    const again = await createKwokCloudProvider({ nodes, nodeClasses: classes }).create(claim('nc-c', []));
    expect(again).toEqual(first);
    expect(nodes.nodes.size).toBe(1);
    await expect(provider.create(claim('nc-c', [], { uid: 'someone-else' }))).rejects.toMatchObject({
      type: 'CreateError',
      conditionReason: 'NodeNameConflict',
    });
  });

  it('should answer InsufficientCapacity when no offering meets the requirements, NodeClassNotReady without a class', async () => {
    await expect(
      provider.create(claim('nc-d', [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-west-2a'] }]))
    ).rejects.toMatchObject({ type: 'InsufficientCapacity' });
    await expect(provider.create(claim('nc-e', [], { requests: { cpu: '1000' } }))).rejects.toMatchObject({
      type: 'InsufficientCapacity',
    });
    await expect(
      provider.create(
        claim('nc-f', [], { classRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'missing' } })
      )
    ).rejects.toMatchObject({ type: 'NodeClassNotReady' });
    classes.put(nodeClass('broken', {}, 'False'));
    await expect(
      provider.create(
        claim('nc-g', [], { classRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'broken' } })
      )
    ).rejects.toMatchObject({ type: 'NodeClassNotReady' });
    expect(nodes.nodes.size).toBe(0);
  });

  it('should turn a Kubernetes failure during create into a CreateError that says whether to retry', async () => {
    nodes.nextError.create = Object.assign(new Error('etcdserver: request timed out'), { code: 500 });
    await expect(provider.create(claim('nc-h', []))).rejects.toMatchObject({
      type: 'CreateError',
      conditionReason: 'LaunchRetryable',
    });
    expect(toKwokApiError('x', Object.assign(new Error('forbidden'), { code: 403 })).retryable).toBe(false);
  });

  it('should delete until NotFound, counting a Node held by a finalizer as gone', async () => {
    const launched = await provider.create(claim('nc-i', []));
    nodes.nodes.get('nc-i')!.metadata!.finalizers = ['karpenter.sh/termination'];
    const withStatus = { ...claim('nc-i', []), status: { providerID: launched.providerID } };
    await provider.delete(withStatus);
    await expect(provider.delete(withStatus)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
    await expect(provider.get(launched.providerID)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
    expect(await provider.list()).toEqual([]);
    nodes.nodes.clear();
    await expect(provider.delete(withStatus)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
  });

  it('should get and list the Nodes it launched, and nothing of another provider', async () => {
    const launched = await provider.create(claim('nc-j', []));
    nodes.nodes.set('ip-10-0-0-1', {
      metadata: { name: 'ip-10-0-0-1' },
      spec: { providerID: 'aws:///us-west-2a/i-0abc' },
    });
    const instance = await provider.get(launched.providerID);
    expect(instance).toMatchObject({ nodeClaimName: 'nc-j', nodePoolName: 'default', state: 'running' });
    expect((await provider.list()).map((i) => i.providerID)).toEqual(['kwok://nc-j']);
    await expect(provider.get('aws:///us-west-2a/i-0abc')).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
  });

  it('should offer types only to NodePools of a KWOKNodeClass, shaped by its maxPods and reservedResources', async () => {
    expect(
      await provider.getInstanceTypes(pool({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }))
    ).toEqual([]);
    classes.put(nodeClass('default', { maxPods: 8, reservedResources: { cpu: '250m' } }));
    const types = await provider.getInstanceTypes(pool());
    expect(types).toHaveLength(72);
    expect(types[0]!.capacity['pods']).toBe(8);
    expect(types[0]!.overhead.kubeReserved).toEqual({ cpu: 250 });
    expect(await provider.isDrifted(claim('nc-k', []))).toBe('');
  });
});
