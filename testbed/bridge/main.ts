// The kubelet bridge as its own process: `node --import tsx testbed/bridge/main.ts <config.json>`.
// Its control port takes GET /settings and POST /settings (partial BridgeSettings) from tests.
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { ec2Client, kubeConfigFor } from '../clients.js';
import type { TestbedEndpoints } from '../endpoints.js';
import { KubeletBridge, type BridgeSettings } from './bridge.js';

interface BridgeProcessConfig {
  endpoints: Pick<TestbedEndpoints, 'kubernetes' | 'aws' | 'clusterName'>;
  controlPort: number;
  settings: BridgeSettings;
}

const config = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as BridgeProcessConfig;
const log = pino({ base: { component: 'kubelet-bridge' } });
const { kubernetes, aws, clusterName } = config.endpoints;
const bridge = new KubeletBridge({
  ec2: ec2Client(aws!),
  kubeConfig: kubeConfigFor(kubernetes!),
  clusterName,
  region: aws!.region,
  kubeletVersion: kubernetes!.version,
  log,
  settings: config.settings,
});

const control = createServer((req, res) => {
  const reply = (status: number, body: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.url !== '/settings') return reply(404, { error: `no such path ${req.url}` });
  if (req.method === 'GET') return reply(200, bridge.settings);
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    try {
      bridge.settings = { ...bridge.settings, ...(JSON.parse(body) as Partial<BridgeSettings>) };
      log.info({ settings: bridge.settings }, 'settings changed');
      reply(200, bridge.settings);
    } catch (err) {
      reply(400, { error: `settings body is not JSON: ${(err as Error).message}` });
    }
  });
});
control.listen(config.controlPort, '127.0.0.1', () => {
  bridge.start();
  log.info({ controlPort: config.controlPort }, 'kubelet bridge started');
});
process.on('SIGTERM', () => {
  bridge.stop();
  control.close();
  process.exit(0);
});
