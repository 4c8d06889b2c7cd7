import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDelayProxy, type DelayProxy } from '../../testbed/delay-proxy.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { writeKubeconfig } from '../../testbed/kubernetes.js';
import { freePorts } from '../../testbed/ports.js';
import type { ManagedProcess } from '../../testbed/process.js';
import { startWorkerProcess } from '../../testbed/worker-process.js';
import { eventually } from './support/wait.js';

// A worker started while kube-apiserver and Temporal are down (both reached through ports nothing listens on yet)
// waits for each in turn and starts once they are up, instead of exiting: what the chaos suite relies on when it
// restarts a worker during a restart of either part. It loads a prebuilt workflow bundle (KT_WORKFLOW_BUNDLE).
describe('worker start-up while its dependencies are down', () => {
  const endpoints = loadEndpoints();
  const kubernetes = requirePart(endpoints, 'kubernetes');
  const temporal = requirePart(endpoints, 'temporal');
  const proxies: DelayProxy[] = [];
  let worker: ManagedProcess | undefined;
  afterAll(async () => {
    await worker?.stop();
    for (const proxy of proxies) await proxy.close();
  });

  it('retries kube-apiserver, then Temporal, with backoff, and starts once both answer', async () => {
    const bundle = join(endpoints.dir, 'worker-startup-bundle.js');
    execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-workflow-bundle.ts', bundle], {
      stdio: 'ignore',
    });
    const [kubePort, temporalPort] = await freePorts(2);
    const kubeconfig = join(endpoints.dir, 'worker-startup.kubeconfig');
    writeKubeconfig(kubeconfig, `https://127.0.0.1:${kubePort}`, kubernetes.caFile, kubernetes.adminToken, 'admin');
    const taskQueue = `worker-startup-${Date.now()}`;
    const logFile = join(endpoints.dir, `worker-${taskQueue}.log`);
    const log = (): string => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    };
    const starting = startWorkerProcess(endpoints, {
      taskQueue,
      env: { KUBECONFIG: kubeconfig, TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`, KT_WORKFLOW_BUNDLE: bundle },
    });
    await eventually('the worker retrying kube-apiserver', async () =>
      log().includes('reading the Kubernetes version failed; retrying')
    );
    proxies.push(await startDelayProxy({ port: kubePort, upstreamPort: Number(new URL(kubernetes.apiServer).port) }));
    await eventually('the worker retrying Temporal', async () =>
      log().includes('connecting the worker to Temporal failed; retrying')
    );
    expect(log()).not.toContain('worker started');
    proxies.push(await startDelayProxy({ port: temporalPort, upstreamPort: Number(temporal.address.split(':')[1]) }));
    const started = await starting;
    worker = started.process;
    expect(worker.exited).toBeUndefined();
    expect((await fetch(started.metricsUrl)).status).toBe(200);
  });
});
