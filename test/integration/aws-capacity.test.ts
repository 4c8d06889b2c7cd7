import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import type { NodeClaimLike, NodePoolLike } from '../../core/cloudprovider/index.js';
import { UNAVAILABLE_OFFERING_TTL_MS } from '../../adapters/aws/ice-cache.js';
import { solve, type NodePool as SchedulingNodePool } from '../../core/scheduling/index.js';
import { loadEndpoints } from '../../testbed/endpoints.js';
import { awsControl } from './support/aws-control.js';
import { discoverySpec, ensureRole, nodeClaim, providerFixture, type ProviderFixture } from './support/aws-provider.js';

describe('EC2 cloud provider: capacity fallback, the ICE cache and typed errors on the EC2 emulator', () => {
  const endpoints = loadEndpoints();
  const control = awsControl(endpoints);
  const nodeClassName = `capacity-${randomUUID().slice(0, 8)}`;
  const zone = 'us-west-2a';
  const types = ['c5.large', 'm5.large'];
  let fx: ProviderFixture;
  const created: NodeClaimLike[] = [];
  const nodePool: NodePoolLike = {
    metadata: { name: 'it-pool' },
    spec: {
      template: {
        spec: {
          requirements: [],
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClassName },
        },
      },
    },
  };

  const requirements = (capacityTypes: string[]): NodeClaimLike['spec']['requirements'] => [
    { key: 'node.kubernetes.io/instance-type', operator: 'In', values: types },
    { key: 'karpenter.sh/capacity-type', operator: 'In', values: capacityTypes },
    { key: 'topology.kubernetes.io/zone', operator: 'In', values: [zone] },
  ];
  const claim = (capacityTypes = ['on-demand']) => {
    const c = nodeClaim(nodeClassName, requirements(capacityTypes));
    created.push(c);
    return c;
  };
  const fleetCalls = async () => (await control.calls())['CreateFleet'] ?? 0;
  const offering = async (instanceType: string, capacityType: string) =>
    (await fx.provider.getInstanceTypes(nodePool))
      .find((it) => it.name === instanceType)
      ?.offerings.find((o) => o.zone === zone && o.capacityType === capacityType);
  const liveInstances = async (nodeClaimName: string) =>
    (
      await fx.ec2.send(
        new DescribeInstancesCommand({
          Filters: [
            { Name: 'tag:karpenter.sh/nodeclaim', Values: [nodeClaimName] },
            { Name: 'instance-state-name', Values: ['pending', 'running'] },
          ],
        })
      )
    ).Reservations?.flatMap((r) => r.Instances ?? []) ?? [];

  beforeAll(async () => {
    fx = await providerFixture(endpoints, { maxAttempts: 3 });
    await ensureRole(fx.iam, 'KarpenterNodeRole-it');
    await fx.applyNodeClass(nodeClassName, discoverySpec('KarpenterNodeRole-it'));
  });

  afterEach(async () => {
    await control.clearInsufficientCapacity();
    await control.clearFaults();
  });

  afterAll(async () => {
    for (const c of created) await fx.provider.delete(c).catch(() => undefined);
    await fx.provider.launchTemplates.deleteForNodeClass(nodeClassName);
  });

  it('should fall back to the next offering when the cheapest is out of capacity, and offer the cheapest again after its TTL', async () => {
    const [cheap, next] = await Promise.all(types.map((t) => offering(t, 'on-demand')));
    const [cheapest, fallback] = cheap!.price <= next!.price ? types : [...types].reverse();
    await control.markInsufficientCapacity([{ instanceType: cheapest!, zone, capacityType: 'on-demand' }]);

    const launched = await fx.provider.create(claim());

    expect(launched.labels['node.kubernetes.io/instance-type']).toBe(fallback);
    expect(launched.labels['topology.kubernetes.io/zone']).toBe(zone);
    // The solver now sees the ICE'd offering as unavailable, for exactly the TTL of the injected clock.
    expect(await offering(cheapest!, 'on-demand')).toMatchObject({ available: false });
    expect(await offering(fallback!, 'on-demand')).toMatchObject({ available: true });
    fx.clock.advance(UNAVAILABLE_OFFERING_TTL_MS - 1);
    expect(await offering(cheapest!, 'on-demand')).toMatchObject({ available: false });
    fx.clock.advance(1);
    expect(await offering(cheapest!, 'on-demand')).toMatchObject({ available: true });
  });

  it('should let the solver plan around an offering out of capacity, and back onto it after the TTL', async () => {
    const schedulingPool: SchedulingNodePool = {
      metadata: { name: 'it-pool' },
      spec: {
        template: {
          metadata: { labels: { 'karpenter.sh/nodepool': 'it-pool' } },
          spec: { requirements: requirements(['on-demand']) },
        },
      },
    };
    const pod = {
      metadata: { name: `pod-${randomUUID().slice(0, 8)}`, namespace: 'default' },
      spec: { containers: [{ name: 'app', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
    };
    const plan = async () =>
      solve({ pods: [pod], nodePools: [schedulingPool], instanceTypes: await fx.provider.getInstanceTypes(nodePool) });

    const before = await plan();
    const cheapest = before.nodeClaims[0]!.launch.instanceType;
    await control.markInsufficientCapacity([{ instanceType: cheapest, zone, capacityType: 'on-demand' }]);
    // The planned NodeClaim is launched; EC2 answers ICE for the cheapest and launches the next offering.
    const planned = before.nodeClaims[0]!;
    const c = nodeClaim(nodeClassName, planned.requirements);
    created.push(c);
    const launched = await fx.provider.create(c);
    expect(launched.labels['node.kubernetes.io/instance-type']).not.toBe(cheapest);

    const during = await plan();
    expect(during.nodeClaims[0]!.launch.instanceType).toBe(launched.labels['node.kubernetes.io/instance-type']);
    // Its only offering the pool allows is out of capacity, so the solver drops the type from the launch options.
    expect(during.nodeClaims[0]!.instanceTypes).not.toContain(cheapest);
    fx.clock.advance(UNAVAILABLE_OFFERING_TTL_MS);
    const after = await plan();
    expect(after.nodeClaims[0]!.launch.instanceType).toBe(cheapest);
    expect(after.nodeClaims[0]!.instanceTypes).toContain(cheapest);
  });

  it('should return InsufficientCapacity naming every failed offering, then stop asking EC2 while they are unavailable', async () => {
    await control.markInsufficientCapacity(
      types.map((instanceType) => ({ instanceType, zone, capacityType: 'on-demand' as const }))
    );
    const first = claim();
    const before = await fleetCalls();

    const error = await fx.provider.create(first).catch((e: unknown) => e);

    expect(error).toMatchObject({ type: 'InsufficientCapacity' });
    expect((error as { unavailableOfferings: unknown[] }).unavailableOfferings).toEqual(
      expect.arrayContaining(types.map((instanceType) => ({ instanceType, zone, capacityType: 'on-demand' })))
    );
    expect(await liveInstances(first.metadata.name)).toHaveLength(0);
    expect((await fleetCalls()) - before).toBe(1);

    // A second NodeClaim for the same offerings fails fast from the cache: no CreateFleet at all.
    await expect(fx.provider.create(claim())).rejects.toMatchObject({ type: 'InsufficientCapacity' });
    expect((await fleetCalls()) - before).toBe(1);
    fx.clock.advance(UNAVAILABLE_OFFERING_TTL_MS);
  });

  it('should launch only a type whose allocatable fits the nodeclaim requests, not the cheapest', async () => {
    const c = nodeClaim(nodeClassName, [
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['c5.large', 'c5.xlarge'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
    ]);
    c.spec.resources = { requests: { cpu: '3', memory: '4Gi' } };
    created.push(c);

    const launched = await fx.provider.create(c);

    expect(launched.labels['node.kubernetes.io/instance-type']).toBe('c5.xlarge');
    expect(launched.allocatable['cpu']).toBeGreaterThanOrEqual(3000);
  });

  it('should prefer spot when the nodeclaim allows spot and on-demand (Karpenter capacity-type precedence)', async () => {
    const launched = await fx.provider.create(claim(['spot', 'on-demand']));
    expect(launched.labels['karpenter.sh/capacity-type']).toBe('spot');
    const id = launched.providerID.split('/').pop()!;
    const described = await fx.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    expect(described.Reservations?.[0]?.Instances?.[0]?.InstanceLifecycle).toBe('spot');
  });

  it('should retry throttled and failing CreateFleet calls with backoff and launch once', async () => {
    await control.injectFault({ action: 'CreateFleet', code: 'RequestLimitExceeded', times: 1 });
    await control.injectFault({ action: 'CreateFleet', code: 'InternalError', times: 1 });
    const c = claim();
    const before = await fleetCalls();

    const launched = await fx.provider.create(c);

    expect(launched.providerID).toMatch(/^aws:\/\/\/us-west-2a\/i-/);
    expect((await fleetCalls()) - before).toBe(3);
    expect(await liveInstances(c.metadata.name)).toHaveLength(1);
  });

  it.each([
    ['RequestLimitExceeded', 'throttling (503)'],
    ['InternalError', 'a 500'],
  ])('should surface a retryable CreateError once %s (%s) outlasts the SDK retries', async (code) => {
    await control.injectFault({ action: 'CreateFleet', code, times: 3 });
    const c = claim();

    const error = await fx.provider.create(c).catch((e: unknown) => e);

    expect(error).toMatchObject({
      type: 'CreateError',
      retryable: true,
      awsErrorCode: code,
      conditionReason: 'LaunchRetryable',
      attempts: 3,
    });
    // The SDK waited between attempts (exponential backoff with jitter), it did not hammer the API.
    expect((error as { totalRetryDelayMs: number }).totalRetryDelayMs).toBeGreaterThan(0);
    expect(await liveInstances(c.metadata.name)).toHaveLength(0);
  });

  it('should surface a non-retryable CreateError for an authorisation failure without retrying', async () => {
    await control.injectFault({ action: 'CreateFleet', code: 'UnauthorizedOperation', times: 1, status: 403 } as never);
    const before = await fleetCalls();

    const error = await fx.provider.create(claim()).catch((e: unknown) => e);

    expect(error).toMatchObject({
      type: 'CreateError',
      retryable: false,
      awsErrorCode: 'UnauthorizedOperation',
      attempts: 1,
    });
    expect((await fleetCalls()) - before).toBe(1);
  });

  it('should surface a retryable AwsApiError from get when DescribeInstances keeps failing', async () => {
    // Until cleared, not a count: the kubelet bridge polls DescribeInstances too and would use up a counted fault.
    await control.injectFault({ action: 'DescribeInstances', code: 'InternalError' });
    await expect(fx.provider.get('aws:///us-west-2a/i-0123456789abcdef0')).rejects.toMatchObject({
      type: 'AwsApiError',
      code: 'InternalError',
      retryable: true,
      attempts: 3,
    });
  });
});
