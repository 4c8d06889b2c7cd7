import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getStatus } from './http.js';
import { ManagedProcess } from './process.js';
import { freePorts } from './ports.js';
import type { ToolPaths } from './tools.js';

export interface AwsEndpoints {
  /** The EC2/SSM/SQS/IAM endpoint (moto). */
  endpoint: string;
  /** The launcher's control API: /reset, /ice, /faults, /spot-prices, /prices, /calls. */
  control: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const LAUNCHER = join(dirname(fileURLToPath(import.meta.url)), 'moto', 'launcher.py');

export async function startMoto(
  tools: ToolPaths,
  dir: string,
  started: ManagedProcess[],
  region: string,
  log: (msg: string) => void
): Promise<AwsEndpoints> {
  const [port, controlPort] = await freePorts(2);
  const endpoint = `http://127.0.0.1:${port}`;
  log(`moto (EC2, SSM, SQS, IAM) on ${endpoint}, control on http://127.0.0.1:${controlPort}`);
  const moto = ManagedProcess.start({
    name: 'moto',
    command: tools.python,
    // The state file lets the emulator be restarted in place (Testbed.restart) without forgetting its instances.
    args: [
      LAUNCHER,
      `--port=${port}`,
      `--control-port=${controlPort}`,
      `--state-file=${join(dir, 'moto-state.pickle')}`,
    ],
    logFile: join(dir, 'moto.log'),
    // Unknown instance types are refused, as by AWS.
    env: { MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION: 'true', PYTHONUNBUFFERED: '1' },
  });
  started.push(moto);
  await moto.waitReady(async () => {
    const [api, control] = await Promise.all([
      // Not /moto-api/data.json: it serialises every backend (12 MB, seconds once instances exist).
      getStatus(`${endpoint}/moto-api/`),
      getStatus(`http://127.0.0.1:${controlPort}/healthz`),
    ]);
    return api === 200 && control === 200;
  }, 30_000);
  return {
    endpoint,
    control: `http://127.0.0.1:${controlPort}`,
    region,
    accessKeyId: 'testing',
    secretAccessKey: 'testing',
  };
}
