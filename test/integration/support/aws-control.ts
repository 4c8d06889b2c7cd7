import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import type { TestbedEndpoints } from '../../../testbed/endpoints.js';
import { requirePart } from '../../../testbed/endpoints.js';

/** The EC2 emulator's control API: inject capacity errors and faults, reset between tests. */
export function awsControl(endpoints: TestbedEndpoints) {
  const base = requirePart(endpoints, 'aws').control;
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    markInsufficientCapacity: (
      offerings: { instanceType: string; zone: string; capacityType: 'spot' | 'on-demand' }[]
    ) => call('POST', '/ice', { offerings }),
    clearInsufficientCapacity: () => call('DELETE', '/ice'),
    injectFault: (fault: { action: string; code?: string; times?: number }) => call('POST', '/faults', fault),
    clearFaults: () => call('DELETE', '/faults'),
    calls: () => call('GET', '/calls') as Promise<Record<string, number>>,
  };
}

/** The kubelet bridge's control API. */
export function bridgeControl(endpoints: TestbedEndpoints) {
  const base = requirePart(endpoints, 'bridge').control;
  return {
    async set(settings: Record<string, unknown>): Promise<void> {
      const res = await fetch(`${base}/settings`, { method: 'POST', body: JSON.stringify(settings) });
      if (!res.ok) throw new Error(`bridge settings: ${res.status} ${await res.text()}`);
    },
  };
}

/** Every instance (any state) launched for a NodeClaim, found by the tag the provider puts on it. */
export async function instancesOfNodeClaim(ec2: EC2Client, nodeClaim: string): Promise<Instance[]> {
  const out = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: 'tag:karpenter.sh/nodeclaim', Values: [nodeClaim] }] })
  );
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}
