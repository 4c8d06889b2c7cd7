import { describe, expect, it } from '@jest/globals';
import type { CloudInstance, CloudProvider, NodeClaimLike } from '../../core/cloudprovider/cloudprovider.js';
import { NodeClaimNotFoundError } from '../../core/cloudprovider/errors.js';
import { createPrometheusMetrics } from './prometheus.js';
import { withCloudProviderMetrics, type CloudProviderMetrics } from './cloudprovider.js';

/** A provider with one extra method, as the AWS provider has (tagging), to show the decorator keeps it. */
class FakeProvider implements CloudProvider {
  readonly tagged: string[] = [];
  async create(_nodeClaim: NodeClaimLike): Promise<never> {
    throw new Error('capacity exploded');
  }
  async delete(nodeClaim: NodeClaimLike): Promise<void> {
    throw new NodeClaimNotFoundError(`${nodeClaim.metadata.name} is gone`);
  }
  async get(providerID: string): Promise<CloudInstance> {
    return { providerID, instanceType: 'm5.large', zone: 'a', capacityType: 'spot', state: 'running', launchTime: '' };
  }
  async list(): Promise<CloudInstance[]> {
    return [];
  }
  async getInstanceTypes(_nodePool: unknown): Promise<[]> {
    return [];
  }
  async isDrifted(): Promise<''> {
    return '';
  }
  name(): string {
    return 'fake';
  }
  async tagRegisteredInstance(providerID: string): Promise<void> {
    this.tagged.push(providerID);
  }
}

const claim = { metadata: { name: 'nc-1' } } as NodeClaimLike;

describe('withCloudProviderMetrics', () => {
  it('should time every call by Karpenter method name and count errors by their type', async () => {
    const calls: Parameters<CloudProviderMetrics['observe']>[] = [];
    let clock = 0;
    const cloud = withCloudProviderMetrics(new FakeProvider(), { observe: (...args) => calls.push(args) }, () => {
      clock += 250;
      return clock;
    });

    await expect(cloud.get('aws:///a/i-1')).resolves.toMatchObject({ providerID: 'aws:///a/i-1' });
    await expect(cloud.delete(claim)).rejects.toMatchObject({ type: 'NodeClaimNotFound' });
    await expect(cloud.create(claim)).rejects.toThrow('capacity exploded');
    await cloud.getInstanceTypes({} as never);

    expect(calls).toEqual([
      ['Get', 'fake', 0.25, undefined],
      ['Delete', 'fake', 0.25, 'NodeClaimNotFound'],
      ['Create', 'fake', 0.25, 'Error'],
      ['GetInstanceTypes', 'fake', 0.25, undefined],
    ]);
  });

  it('should keep the provider what it was: its own methods and state, and its name', async () => {
    const inner = new FakeProvider();
    const cloud = withCloudProviderMetrics(inner, { observe: () => undefined });
    await cloud.tagRegisteredInstance('aws:///a/i-2');
    expect(inner.tagged).toEqual(['aws:///a/i-2']);
    expect(cloud.name()).toBe('fake');
    expect(cloud).toBeInstanceOf(FakeProvider);
  });

  it('should feed karpenter_cloudprovider_duration_seconds and karpenter_cloudprovider_errors_total', async () => {
    const metrics = createPrometheusMetrics({ processMetrics: false });
    const cloud = withCloudProviderMetrics(new FakeProvider(), metrics.cloudProvider);
    await cloud.delete(claim).catch(() => undefined);
    await cloud.delete(claim).catch(() => undefined);
    await cloud.list();
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'karpenter_cloudprovider_errors_total{method="Delete",provider="fake",error="NodeClaimNotFound"} 2'
    );
    expect(text).toContain('karpenter_cloudprovider_duration_seconds_count{method="Delete",provider="fake"} 2');
    expect(text).toContain('karpenter_cloudprovider_duration_seconds_count{method="List",provider="fake"} 1');
    expect(text).not.toContain('method="List",provider="fake",error');
  });
});
