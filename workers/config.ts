import { z } from 'zod';

/** The worker's whole configuration, from the environment (the only place that reads it). */
const WorkerEnv = z.object({
  CLUSTER_NAME: z.string().min(1, 'CLUSTER_NAME names the EKS cluster this worker manages'),
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  KT_TASK_QUEUE: z.string().default('karpenter-temporal'),
  KUBECONFIG: z.string().optional(),
  AWS_REGION: z.string().min(1, 'AWS_REGION is required'),
  /** Set for the test bed's EC2 emulator; unset in AWS. */
  AWS_ENDPOINT_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

export interface WorkerConfig {
  clusterName: string;
  temporal: { address: string; namespace: string; taskQueue: string };
  kubeconfig: string | undefined;
  aws: { region: string; endpoint: string | undefined };
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error';
}

export class WorkerConfigError extends Error {
  readonly type = 'WorkerConfigInvalid';
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv): WorkerConfig {
  const parsed = WorkerEnv.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new WorkerConfigError(`invalid worker environment: ${problems}`);
  }
  const e = parsed.data;
  return {
    clusterName: e.CLUSTER_NAME,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.KT_TASK_QUEUE },
    kubeconfig: e.KUBECONFIG,
    aws: { region: e.AWS_REGION, endpoint: e.AWS_ENDPOINT_URL },
    logLevel: e.LOG_LEVEL,
  };
}
