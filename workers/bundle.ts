import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@temporalio/common';

/** Workflow sources, as the bundler wants them: our ESM sources import `./x.js`, which are `.ts` files. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export const bundlerOptions: NonNullable<WorkerOptions['bundlerOptions']> = {
  webpackConfigHook: (config) => {
    config.resolve = { ...config.resolve, extensionAlias: { '.js': ['.ts', '.js'] } };
    return config;
  },
};

/** The workflow sources bundled once, for a worker's start or for a prebuilt file (`npm run build:workflow-bundle`). */
export async function bundleWorkflows(logger: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    ...(bundlerOptions.webpackConfigHook ? { webpackConfigHook: bundlerOptions.webpackConfigHook } : {}),
    logger,
  });
  return code;
}
