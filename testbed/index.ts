import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ec2Client, iamClient, kubeConfigFor } from './clients.js';
import { installCrds } from './crds.js';
import type { TestbedEndpoints } from './endpoints.js';
import { getStatus } from './http.js';
import { startKubernetes } from './kubernetes.js';
import { startKwok } from './kwok.js';
import { startMoto } from './moto.js';
import { freePorts } from './ports.js';
import { ManagedProcess } from './process.js';
import { seedNetwork, seedNodeRole } from './seed.js';
import { startTemporal } from './temporal.js';
import { startWatchdog } from './watchdog.js';
import { loadToolPaths } from './tools.js';
import type { BridgeSettings } from './bridge/bridge.js';

export type Part = 'temporal' | 'kubernetes' | 'kwok' | 'aws' | 'bridge';
export const ALL_PARTS: Part[] = ['temporal', 'kubernetes', 'kwok', 'aws', 'bridge'];

export interface TestbedOptions {
  parts?: Part[];
  /** Temporal Web UI on (sandbox) or off (tests). */
  ui?: boolean;
  /** Temporal dev-server dynamic config, e.g. a low `limit.historyCount.suggestContinueAsNew` for tests. */
  temporalDynamicConfig?: Record<string, string | number>;
  /** Run folder for logs, kubeconfig, databases; default `.testbed/<timestamp>` in the repo. */
  dir?: string;
  clusterName?: string;
  region?: string;
  bridge?: Partial<BridgeSettings>;
  /** Install the project's CRDs from deploy/crds (default true). */
  crds?: boolean;
  log?: (msg: string) => void;
}

export interface Testbed {
  endpoints: TestbedEndpoints;
  /** Where endpoints were written (what KT_TESTBED_FILE points at). */
  file: string;
  /** Stops exactly the processes this test bed started, last started first. */
  stop(): Promise<void>;
  /**
   * Stops one part (by its process name: `temporal`, `etcd`, `kube-apiserver`, `moto`, …) and starts it again on the
   * same ports with its state kept (Temporal's SQLite file, etcd's data dir, the emulator's state file), returning
   * once it is ready again. `kill` sends SIGKILL instead of SIGTERM; `downMs` keeps it down that long.
   */
  restart(part: string, options?: { kill?: boolean; downMs?: number }): Promise<void>;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CRD_DIR = join(REPO, 'deploy', 'crds');

export const DEFAULT_BRIDGE_SETTINGS: BridgeSettings = {
  bootDelayMs: 2000,
  registration: 'normal',
  startupTaintKeys: [],
  startupTaintRemovalMs: 3000,
};

/**
 * Brings up the chosen parts on 127.0.0.1 and free ports. A part that fails to start stops everything already
 * started and throws with the part's name and the tail of its log.
 */
export async function startTestbed(options: TestbedOptions = {}): Promise<Testbed> {
  const parts = new Set(options.parts ?? ALL_PARTS);
  if (parts.has('kwok')) parts.add('kubernetes');
  if (parts.has('bridge')) for (const needed of ['kubernetes', 'aws', 'kwok'] as const) parts.add(needed);
  const t0 = Date.now();
  const log = (msg: string): void =>
    (options.log ?? ((m: string) => process.stderr.write(`${m}\n`)))(
      `[testbed +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`
    );
  const tools = loadToolPaths();
  const dir = options.dir ?? join(REPO, '.testbed', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  const clusterName = options.clusterName ?? 'testbed';
  const region = options.region ?? 'us-west-2';
  const started: ManagedProcess[] = [];
  const endpoints: TestbedEndpoints = { dir, clusterName, pids: {} };

  const stop = async (): Promise<void> => {
    for (const proc of [...started].reverse()) await proc.stop();
    if (endpoints.kubernetes?.etcd) {
      const etcdData = `/dev/shm/kt-etcd-${process.pid}-${new URL(endpoints.kubernetes.etcd).port}`;
      rmSync(etcdData, { recursive: true, force: true });
    }
  };

  try {
    const [temporal, kubernetes, aws] = await Promise.all([
      parts.has('temporal')
        ? startTemporal(
            tools,
            dir,
            started,
            {
              ui: options.ui ?? false,
              ...(options.temporalDynamicConfig ? { dynamicConfig: options.temporalDynamicConfig } : {}),
            },
            log
          )
        : undefined,
      parts.has('kubernetes') ? startKubernetes(tools, dir, started, log) : undefined,
      parts.has('aws')
        ? startMoto(tools, dir, started, region, log).then(async (endpoint) => {
            const network = await seedNetwork(ec2Client(endpoint), clusterName, region);
            const nodeRole = await seedNodeRole(iamClient(endpoint), clusterName);
            // The emulator has no Pricing API; its synthetic on-demand table is what the worker prices with here.
            const prices = (await (await fetch(`${endpoint.control}/prices`)).json()) as {
              onDemand: Record<string, number>;
            };
            const onDemandPricesFile = join(dir, 'on-demand-prices.json');
            writeFileSync(onDemandPricesFile, JSON.stringify(prices.onDemand));
            log(
              `seeded VPC ${network.vpcId} with ${network.subnets.length} subnets, a security group and role ${nodeRole}`
            );
            return { ...endpoint, ...network, nodeRole, onDemandPricesFile };
          })
        : undefined,
    ]);
    if (temporal) endpoints.temporal = temporal;
    if (kubernetes) endpoints.kubernetes = kubernetes;
    if (aws) endpoints.aws = aws;
    if (kubernetes && options.crds !== false && existsSync(CRD_DIR)) {
      const names = await installCrds(kubeConfigFor(kubernetes), CRD_DIR);
      log(`installed CRDs: ${names.join(', ')}`);
    }
    if (parts.has('kwok')) await startKwok(tools, dir, kubernetes!.kubeconfig, started, log);
    if (parts.has('bridge')) {
      const [controlPort] = await freePorts(1);
      const config = join(dir, 'bridge.json');
      writeFileSync(
        config,
        JSON.stringify({
          endpoints: { kubernetes, aws, clusterName },
          controlPort,
          settings: { ...DEFAULT_BRIDGE_SETTINGS, ...options.bridge },
        })
      );
      log('kubelet bridge (EC2 instances → Nodes)');
      const bridge = ManagedProcess.start({
        name: 'kubelet-bridge',
        command: process.execPath,
        args: ['--import', 'tsx', join(REPO, 'testbed', 'bridge', 'main.ts'), config],
        logFile: join(dir, 'kubelet-bridge.log'),
        cwd: REPO,
      });
      started.push(bridge);
      const control = `http://127.0.0.1:${controlPort}`;
      await bridge.waitReady(async () => (await getStatus(`${control}/settings`)) === 200, 30_000);
      endpoints.bridge = { control };
    }
  } catch (err) {
    await stop();
    throw err;
  }
  for (const proc of started) endpoints.pids[proc.spec.name] = proc.pid;
  startWatchdog(
    process.pid,
    started.map((p) => p.pid)
  );
  const file = join(dir, 'testbed.json');
  writeFileSync(file, JSON.stringify(endpoints, null, 2));
  log(`ready (${[...parts].join(', ')}); endpoints in ${file}`);
  const restart = async (part: string, restartOptions: { kill?: boolean; downMs?: number } = {}): Promise<void> => {
    const proc = started.find((p) => p.spec.name === part);
    if (!proc)
      throw new Error(`the test bed has no part named ${part} (it has ${started.map((p) => p.spec.name).join(', ')})`);
    await proc.restart(restartOptions);
    endpoints.pids[part] = proc.pid;
    writeFileSync(file, JSON.stringify(endpoints, null, 2));
    // The first watchdog knows only the old pid.
    startWatchdog(process.pid, [proc.pid]);
  };
  return { endpoints, file, stop, restart };
}
