// The worker process: reads the environment, builds the Kubernetes and AWS clients, and runs the Temporal worker.
import { EC2Client } from '@aws-sdk/client-ec2';
import { KubeConfig } from '@kubernetes/client-node';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createPreflightActivities } from '../activities/preflight.js';
import { ec2Zones } from '../adapters/aws/zones.js';
import { kubernetesClusterInfo } from '../adapters/kubernetes/cluster-info.js';
import { bundlerOptions, workflowsPath } from './bundle.js';
import { loadWorkerConfig } from './config.js';
import { temporalLoggerFor } from './logging.js';

const config = loadWorkerConfig(process.env);
const logger = pino({ level: config.logLevel, base: { component: 'worker', cluster: config.clusterName } });
Runtime.install({ logger: temporalLoggerFor(logger) });

const kubeConfig = new KubeConfig();
if (config.kubeconfig) kubeConfig.loadFromFile(config.kubeconfig);
else kubeConfig.loadFromCluster();
const ec2 = new EC2Client({
  region: config.aws.region,
  ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}),
});

const connection = await NativeConnection.connect({ address: config.temporal.address });
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowsPath,
  bundlerOptions,
  activities: {
    ...createPreflightActivities({ cluster: kubernetesClusterInfo(kubeConfig), cloud: ec2Zones(ec2) }),
  },
  // In-flight activities get time to finish on SIGTERM (the SDK default of 0 cancels them at once).
  shutdownGraceTime: '20 seconds',
});
logger.info({ taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace }, 'worker started');
try {
  await worker.run();
} finally {
  await connection.close();
  logger.info('worker stopped');
}
