import { fileURLToPath } from 'node:url';
import type { WorkerOptions } from '@temporalio/worker';

/** Workflow sources, as the bundler wants them: our ESM sources import `./x.js`, which are `.ts` files. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export const bundlerOptions: NonNullable<WorkerOptions['bundlerOptions']> = {
  webpackConfigHook: (config) => {
    config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
    return config;
  },
};
