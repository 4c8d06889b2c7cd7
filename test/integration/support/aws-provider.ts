/**
 * Builds the EC2 CloudProvider on the test bed's EC2 emulator: real SDK clients (EC2 with 3 attempts so the SDK's
 * retry strategy is exercised), the emulator launcher's synthetic on-demand table as the static price source (there
 * is no Pricing API to call), an in-memory node class store and a manual clock.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';
import { EC2Client } from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import { ManualClock } from '../../../adapters/aws/clock.js';
import { createAwsCloudProvider, type AwsCloudProvider } from '../../../adapters/aws/cloudprovider.js';
import type { EC2NodeClass, EC2NodeClassSpec } from '../../../adapters/aws/nodeclass.js';
import { resolveNodeClass } from '../../../adapters/aws/nodeclass-resolver.js';
import { InMemoryNodeClasses } from '../../../adapters/aws/nodeclass-store.js';
import { staticOnDemandPrices } from '../../../adapters/aws/pricing.js';
import { isAlreadyExists } from '../../../adapters/aws/errors.js';
import { awsClientConfig } from '../../../testbed/clients.js';
import type { TestbedEndpoints } from '../../../testbed/endpoints.js';
import { requirePart } from '../../../testbed/endpoints.js';
import type { NodeClaimLike } from '../../../core/cloudprovider/index.js';

export const KUBERNETES_VERSION = '1.34';

export async function emulatorOnDemandPrices(endpoints: TestbedEndpoints): Promise<Record<string, number>> {
  const res = await fetch(`${requirePart(endpoints, 'aws').control}/prices`);
  if (!res.ok) throw new Error(`GET /prices: ${res.status}`);
  return ((await res.json()) as { onDemand: Record<string, number> }).onDemand;
}

export interface ProviderFixture {
  provider: AwsCloudProvider;
  nodeClasses: InMemoryNodeClasses;
  clock: ManualClock;
  ec2: EC2Client;
  ssm: SSMClient;
  iam: IAMClient;
  /** Resolves the spec against the emulator, stores it with its status, and returns it. */
  applyNodeClass(name: string, spec: EC2NodeClassSpec, generation?: number): Promise<EC2NodeClass>;
  /** A fresh provider over the same clients, store and clock: no in-process state carried over. */
  freshProvider(): AwsCloudProvider;
}

export async function providerFixture(
  endpoints: TestbedEndpoints,
  options: { maxAttempts?: number; start?: number } = {}
): Promise<ProviderFixture> {
  const aws = requirePart(endpoints, 'aws');
  const config = awsClientConfig(aws, options.maxAttempts ?? 3);
  const ec2 = new EC2Client(config);
  const ssm = new SSMClient(config);
  const iam = new IAMClient(config);
  const clock = new ManualClock(options.start ?? Date.parse('2026-11-27T12:00:00Z'));
  const nodeClasses = new InMemoryNodeClasses();
  const prices = await emulatorOnDemandPrices(endpoints);
  const make = () =>
    createAwsCloudProvider({
      ec2,
      ssm,
      iam,
      clusterName: endpoints.clusterName,
      clusterEndpoint: 'https://127.0.0.1:6443',
      region: aws.region,
      nodeClasses,
      onDemandPrices: staticOnDemandPrices(prices),
      clock,
    });
  return {
    provider: make(),
    nodeClasses,
    clock,
    ec2,
    ssm,
    iam,
    freshProvider: make,
    async applyNodeClass(name, spec, generation = 1) {
      const nodeClass: EC2NodeClass = { metadata: { name, uid: randomUUID(), generation }, spec };
      const previous = await nodeClasses.get(name);
      if (previous?.status !== undefined) nodeClass.status = previous.status;
      nodeClass.status = await resolveNodeClass(
        {
          ec2,
          ssm,
          iam,
          clusterName: endpoints.clusterName,
          region: aws.region,
          kubernetesVersion: KUBERNETES_VERSION,
          clock,
        },
        nodeClass
      );
      nodeClasses.put(nodeClass);
      return nodeClass;
    },
  };
}

/** A node role in the emulator's IAM (the EC2NodeClass `role`), created once per name. */
export async function ensureRole(iam: IAMClient, name: string): Promise<void> {
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      })
    );
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
}

/** The test bed's discovery-tagged network, an AL2023 alias and a role: a node class that resolves Ready. */
export function discoverySpec(role: string, overrides: Partial<EC2NodeClassSpec> = {}): EC2NodeClassSpec {
  return {
    subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'testbed' } }],
    securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'testbed' } }],
    amiSelectorTerms: [{ alias: 'al2023@latest' }],
    role,
    ...overrides,
  };
}

export function nodeClaim(
  nodeClassName: string,
  requirements: NodeClaimLike['spec']['requirements'],
  options: { name?: string; nodePool?: string; taints?: NodeClaimLike['spec']['taints'] } = {}
): NodeClaimLike {
  const name = options.name ?? `nc-${randomUUID().slice(0, 8)}`;
  const nodePool = options.nodePool ?? 'it-pool';
  return {
    metadata: { name, uid: randomUUID(), labels: { 'karpenter.sh/nodepool': nodePool } },
    spec: {
      requirements: [{ key: 'karpenter.sh/nodepool', operator: 'In', values: [nodePool] }, ...requirements],
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: nodeClassName },
      ...(options.taints !== undefined ? { taints: options.taints } : {}),
    },
  };
}
