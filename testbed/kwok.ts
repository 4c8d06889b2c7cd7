import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getStatus } from './http.js';
import { ManagedProcess } from './process.js';
import { freePorts } from './ports.js';
import type { ToolPaths } from './tools.js';

/**
 * kwok animates the Nodes the kubelet bridge registers (Ready, leases) and their pods (Running, deleted at once),
 * using the "fast" stages shipped in the kwok module. It manages only Nodes annotated kwok.x-k8s.io/node=fake.
 */
export async function startKwok(
  tools: ToolPaths,
  dir: string,
  kubeconfig: string,
  started: ManagedProcess[],
  log: (msg: string) => void
): Promise<void> {
  const [port] = await freePorts(1);
  const stages = readdirSync(tools.kwokStages)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => readFileSync(join(tools.kwokStages, f), 'utf8'));
  const config = join(dir, 'kwok.yaml');
  writeFileSync(config, stages.join('\n---\n'));
  log(`kwok (simulated kubelets) with ${stages.length} stages`);
  const kwok = ManagedProcess.start({
    name: 'kwok',
    command: tools.kwok,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--config=${config}`,
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
      '--cidr=10.0.0.0/16',
      `--server-address=127.0.0.1:${port}`,
    ],
    logFile: join(dir, 'kwok.log'),
  });
  started.push(kwok);
  await kwok.waitReady(async () => (await getStatus(`http://127.0.0.1:${port}/healthz`)) === 200, 30_000);
}
