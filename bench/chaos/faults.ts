import type { DescribeInstancesCommandOutput, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { DelayProxy } from '../../testbed/delay-proxy.js';
import type { Testbed } from '../../testbed/index.js';
import type { FaultKind } from './plan.js';
import type { Prng } from './prng.js';
import type { WorkerPair } from './workers.js';

export interface FaultDeps {
  testbed: Testbed;
  workers: WorkerPair;
  kubeProxy: DelayProxy;
  awsControl: string;
  ec2: EC2Client;
  prng: Prng;
  /** Faults that end by themselves later (slow kube API, capacity errors) register their undoing here. */
  pending: Promise<unknown>[];
}

const RESTARTED: Partial<Record<FaultKind, string>> = {
  'temporal-restart': 'temporal',
  'apiserver-restart': 'kube-apiserver',
  'etcd-restart': 'etcd',
  'ec2-restart': 'moto',
};

const post = async (url: string, body: unknown): Promise<void> => {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
};

/** Injects one fault and returns a line for the progress log. Restarts return once the part is ready again. */
export async function injectFault(kind: FaultKind, deps: FaultDeps): Promise<string> {
  const { prng } = deps;
  const part = RESTARTED[kind];
  if (part) {
    const downMs = prng.int(500, 5000);
    // Half the restarts are crashes (SIGKILL), half orderly stops; the emulator always saves its state (SIGTERM).
    const kill = part !== 'moto' && prng.next() < 0.5;
    const began = Date.now();
    await deps.testbed.restart(part, { kill, downMs });
    return `${kill ? 'killed' : 'stopped'} ${part}, down ${downMs} ms, ready again after ${((Date.now() - began) / 1000).toFixed(1)} s`;
  }
  switch (kind) {
    case 'worker-kill':
      return `SIGKILL ${await deps.workers.kill(prng.next() < 0.5 ? 0 : 1)}`;
    case 'slow-kube': {
      const delayMs = prng.int(200, 1500);
      const forMs = prng.int(5000, 20_000);
      deps.kubeProxy.setDelay(delayMs);
      deps.pending.push(
        new Promise((resolve) =>
          setTimeout(() => {
            deps.kubeProxy.setDelay(0);
            resolve(undefined);
          }, forMs)
        )
      );
      return `kube API slowed by ${delayMs} ms each way for ${(forMs / 1000).toFixed(0)} s`;
    }
    case 'aws-errors': {
      const burst = prng.pick(['throttling', '5xx', 'ice'] as const);
      if (burst === 'ice') {
        // Capacity errors for the types in use (what the next launches would pick), lifted after a while.
        const out: DescribeInstancesCommandOutput = await deps.ec2.send(
          new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: ['running'] }] })
        );
        const types = [
          ...new Set(out.Reservations?.flatMap((r) => r.Instances?.map((i) => i.InstanceType ?? '') ?? []) ?? []),
        ].filter(Boolean);
        const offerings = (types.length > 0 ? types : ['c5.large', 'm5.large']).flatMap((instanceType) =>
          ['us-west-2a', 'us-west-2b', 'us-west-2c'].flatMap((zone) =>
            ['spot', 'on-demand'].map((capacityType) => ({ instanceType, zone, capacityType }))
          )
        );
        await post(`${deps.awsControl}/ice`, { offerings });
        const forMs = prng.int(10_000, 30_000);
        deps.pending.push(
          new Promise((resolve) =>
            setTimeout(() => void fetch(`${deps.awsControl}/ice`, { method: 'DELETE' }).then(resolve, resolve), forMs)
          )
        );
        return `InsufficientInstanceCapacity for ${types.length || 2} types in every zone for ${(forMs / 1000).toFixed(0)} s`;
      }
      const code = burst === 'throttling' ? 'RequestLimitExceeded' : prng.pick(['InternalError', 'ServiceUnavailable']);
      const actions = ['CreateFleet', 'DescribeInstances', 'TerminateInstances', 'CreateLaunchTemplate', 'CreateTags'];
      const times = prng.int(3, 10);
      for (const action of actions) await post(`${deps.awsControl}/faults`, { action, code, times });
      return `${code} on the next ${times} calls of ${actions.join(', ')}`;
    }
    default:
      throw new Error(`no injector for ${kind}`);
  }
}
