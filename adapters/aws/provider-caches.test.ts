import { describe, expect, it } from '@jest/globals';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ManualClock } from './clock.js';
import { UnavailableOfferings } from './ice-cache.js';
import { INSTANCE_TYPES_TTL_MS, InstanceTypeProvider } from './instancetype-provider.js';
import { LaunchTemplateProvider, type LaunchTemplateInput } from './launchtemplate.js';
import { PricingProvider, staticOnDemandPrices } from './pricing.js';

/** An EC2 client that answers from `answer`, counts calls per command and lets each call wait a tick. */
function fakeEc2(answer: (command: string, input: Record<string, unknown>) => unknown) {
  const calls: Record<string, number> = {};
  const ec2 = {
    async send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name.replace(/Command$/, '');
      calls[name] = (calls[name] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return answer(name, command.input);
    },
  } as unknown as EC2Client;
  return { ec2, calls };
}

describe('instance-type catalogue cache', () => {
  const catalogue = () => {
    const { ec2, calls } = fakeEc2((name) => {
      if (name === 'DescribeInstanceTypes') return { InstanceTypes: [{ InstanceType: 'm5.large' }] };
      if (name === 'DescribeInstanceTypeOfferings')
        return { InstanceTypeOfferings: [{ InstanceType: 'm5.large', Location: 'a' }] };
      return { SpotPriceHistory: [] };
    });
    const clock = new ManualClock(1_000_000);
    const pricing = new PricingProvider(ec2, staticOnDemandPrices({ 'm5.large': 0.1 }), clock);
    const provider = new InstanceTypeProvider(ec2, pricing, new UnavailableOfferings(clock), clock, 'r');
    return { provider, pricing, calls, clock };
  };

  it('should share one load between callers that arrive while it runs (the warm-up and a solve)', async () => {
    const { provider, pricing, calls } = catalogue();
    const [a, b] = await Promise.all([provider.describeInstanceTypes(), provider.describeInstanceTypes()]);
    await Promise.all([provider.describeOfferings(['a']), provider.describeOfferings(['a'])]);
    await Promise.all([pricing.refreshIfStale(), pricing.refreshIfStale()]);
    expect(a).toBe(b);
    expect(calls).toEqual({ DescribeInstanceTypes: 1, DescribeInstanceTypeOfferings: 1, DescribeSpotPriceHistory: 1 });
  });

  it('should reload ahead of expiry only when asked to, and at expiry otherwise', async () => {
    const { provider, calls, clock } = catalogue();
    await provider.describeInstanceTypes();
    clock.advance(INSTANCE_TYPES_TTL_MS - 60_000);
    await provider.describeInstanceTypes();
    expect(calls['DescribeInstanceTypes']).toBe(1);
    await provider.describeInstanceTypes(90_000);
    expect(calls['DescribeInstanceTypes']).toBe(2);
    clock.advance(INSTANCE_TYPES_TTL_MS);
    await provider.describeInstanceTypes();
    expect(calls['DescribeInstanceTypes']).toBe(3);
  });
});

describe('launch template cache', () => {
  const input: LaunchTemplateInput = {
    clusterName: 'demo',
    nodeClassName: 'default',
    amiFamily: 'AL2023',
    imageId: 'ami-0123',
    userData: 'hello',
    securityGroupIds: ['sg-a'],
    spec: {},
    tags: {},
  };
  const templates = (existing: string[] = []) =>
    fakeEc2((name, request) => {
      if (name === 'CreateLaunchTemplate')
        return { LaunchTemplate: { LaunchTemplateId: `lt-${String(request['LaunchTemplateName']).slice(-4)}` } };
      if (name === 'DescribeLaunchTemplates') {
        const names = request['LaunchTemplateNames'] as string[] | undefined;
        const found = names ? existing.filter((n) => names.includes(n)) : existing;
        return { LaunchTemplates: found.map((n) => ({ LaunchTemplateName: n, LaunchTemplateId: `lt-old` })) };
      }
      return {};
    });

  it('should look up and create a new template once for every launch that needs it at the same time', async () => {
    const { ec2, calls } = templates();
    const provider = new LaunchTemplateProvider(ec2, 'demo', new ManualClock());
    const [a, b] = await Promise.all([provider.ensure(input), provider.ensure(input)]);
    expect(a).toEqual(b);
    expect(calls).toEqual({ DescribeLaunchTemplates: 1, CreateLaunchTemplate: 1 });
  });

  it('should create a template it has not seen since hydrating without looking it up, and know hydrated ones', async () => {
    const { ec2, calls } = templates(['karpenter.k8s.aws/known']);
    const provider = new LaunchTemplateProvider(ec2, 'demo', new ManualClock());
    expect(await provider.hydrate()).toBe(1);
    await provider.ensure(input);
    expect(calls).toEqual({ DescribeLaunchTemplates: 1, CreateLaunchTemplate: 1 });
  });
});
