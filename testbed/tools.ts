import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where scripts/install-tools.sh put each real component (see its write_manifest). */
export interface ToolPaths {
  kubeVersion: string;
  temporal: string;
  python: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kwok: string;
  kwokStages: string;
  /** Debian's libjemalloc2, which the deployed worker preloads as the image does. */
  jemalloc: string;
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KT_CACHE_DIR ?? join(homedir(), '.cache', 'karpenter-temporal');
}

export function loadToolPaths(env: NodeJS.ProcessEnv = process.env): ToolPaths {
  const file = join(cacheDir(env), 'tools.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ToolPaths;
  } catch (err) {
    throw new Error(
      `test bed tools are not installed (${file}: ${(err as Error).message}); run scripts/install-tools.sh`,
      { cause: err }
    );
  }
}
