/**
 * One fixture per cloud provider, so the cloud-neutral scenarios (test/integration/cloud-providers.test.ts) run
 * unchanged against each: how the worker selects it, its node class, the instance types of the seed's two shapes,
 * and how a test sees that an instance is gone.
 */
import { ec2Client } from '../../../testbed/clients.js';
import { requirePart, type TestbedEndpoints } from '../../../testbed/endpoints.js';
import { instancesOfNodeClaim } from './aws-control.js';
import { cluster } from './cluster.js';

export type ProviderName = 'aws' | 'kwok';
export const PROVIDERS: readonly ProviderName[] = ['aws', 'kwok'];

export interface CloudFixture {
  name: ProviderName;
  /** Added to the worker's environment. */
  workerEnv: Record<string, string>;
  nodeClassRef: { group: string; kind: string; name: string };
  /** Creates the provider's node class `default` (idempotent). */
  applyNodeClass(): Promise<void>;
  /** A 2 vCPU / 8 GiB and a 4 vCPU / 16 GiB type: the seed's m5.large and m5.xlarge, or their kwok shapes. */
  smallTypes: [string, string];
  /**
   * Whether the instance launched for the NodeClaim is gone: in EC2, exactly one instance was launched for it and it
   * is terminated (a double launch fails this); on kwok, the Node it created is deleted.
   */
  instanceGone(nodeClaim: string): Promise<boolean>;
}

export function cloudFixture(name: ProviderName, endpoints: TestbedEndpoints): CloudFixture {
  const k8s = cluster(endpoints);
  if (name === 'aws') {
    const ec2 = ec2Client(requirePart(endpoints, 'aws'));
    return {
      name,
      workerEnv: {},
      nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
      applyNodeClass: () => k8s.applyNodeClass(),
      smallTypes: ['m5.large', 'm5.xlarge'],
      async instanceGone(nodeClaim) {
        const instances = await instancesOfNodeClaim(ec2, nodeClaim);
        return instances.length === 1 && instances[0]!.State?.Name === 'terminated';
      },
    };
  }
  return {
    name,
    workerEnv: { KT_CLOUD_PROVIDER: 'kwok' },
    nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
    async applyNodeClass() {
      try {
        await k8s.custom.createClusterCustomObject({
          group: 'karpenter.kwok.sh',
          version: 'v1alpha1',
          plural: 'kwoknodeclasses',
          body: { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'default' } },
        });
      } catch (err) {
        if ((err as { code?: number }).code !== 409) throw err;
      }
    },
    smallTypes: ['s-2x-amd64-linux', 's-4x-amd64-linux'],
    // The kwok provider's instance is the Node it created, named after the NodeClaim.
    instanceGone: async (nodeClaim) => (await k8s.node(nodeClaim)) === undefined,
  };
}
