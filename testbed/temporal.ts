import { Connection } from '@temporalio/client';
import { join } from 'node:path';
import { SEARCH_ATTRIBUTE_NAMES } from '../workflows/search-attributes.js';
import { ManagedProcess } from './process.js';
import { freePorts } from './ports.js';
import type { ToolPaths } from './tools.js';

export interface TemporalEndpoints {
  address: string;
  namespace: string;
  /** Set when the Web UI is on (the sandbox); tests run headless. */
  ui?: string;
}

/** `temporal server start-dev` on loopback with a SQLite file per run and the project's search attributes. */
export async function startTemporal(
  tools: ToolPaths,
  dir: string,
  started: ManagedProcess[],
  options: { ui: boolean; dynamicConfig?: Record<string, string | number> },
  log: (msg: string) => void
): Promise<TemporalEndpoints> {
  const [grpcPort, httpPort, metricsPort, uiPort] = await freePorts(4);
  const address = `127.0.0.1:${grpcPort}`;
  const args = [
    'server',
    'start-dev',
    '--ip=127.0.0.1',
    `--port=${grpcPort}`,
    `--http-port=${httpPort}`,
    `--metrics-port=${metricsPort}`,
    `--db-filename=${join(dir, 'temporal.db')}`,
    '--log-level=warn',
    ...SEARCH_ATTRIBUTE_NAMES.map((name) => `--search-attribute=${name}=Keyword`),
    ...Object.entries(options.dynamicConfig ?? {}).map(([key, value]) => `--dynamic-config-value=${key}=${value}`),
  ];
  // The UI's news feed would reach the internet; it stays off.
  if (options.ui) args.push('--ui-ip=127.0.0.1', `--ui-port=${uiPort}`, '--ui-disable-news-fetch');
  else args.push('--headless');
  log(`temporal dev server on ${address}${options.ui ? `, UI on http://127.0.0.1:${uiPort}` : ''}`);
  const server = ManagedProcess.start({
    name: 'temporal',
    command: tools.temporal,
    args,
    logFile: join(dir, 'temporal.log'),
  });
  started.push(server);
  await server.waitReady(async () => {
    const connection = await Connection.connect({ address, connectTimeout: 1000 });
    try {
      const attrs = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      return SEARCH_ATTRIBUTE_NAMES.every((name) => name in (attrs.customAttributes ?? {}));
    } finally {
      await connection.close();
    }
  }, 60_000);
  return { address, namespace: 'default', ...(options.ui ? { ui: `http://127.0.0.1:${uiPort}` } : {}) };
}
