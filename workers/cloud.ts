// The cloud half of the worker's composition root: builds the CloudProvider that KT_CLOUD_PROVIDER names, with what
// that provider needs around it (clients, price sources, node class controllers). Everything the rest of the worker
// sees is the port (core/cloudprovider) and a few cloud-neutral ports of the activities.
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { InterruptionQueue } from '../activities/interruption/activities.js';
import type { RegisteredInstanceTagger } from '../activities/nodeclaim/activities.js';
import type { CloudZonesPort } from '../activities/preflight.js';
import { systemClock } from '../adapters/aws/clock.js';
import { createAwsCloudProvider } from '../adapters/aws/cloudprovider.js';
import { sqsInterruptionQueue } from '../adapters/aws/interruption-queue.js';
import { createNodeClassReconciler } from '../adapters/aws/nodeclass-reconciler.js';
import { kubernetesNodeClasses, watchCachedNodeClasses } from '../adapters/aws/nodeclass-store.js';
import {
  firstAvailable,
  pricingApiOnDemandPrices,
  staticOnDemandPrices,
  type GetProducts,
} from '../adapters/aws/pricing.js';
import { ec2Zones } from '../adapters/aws/zones.js';
import { createKwokCloudProvider } from '../adapters/kwok/cloudprovider.js';
import { KWOK_ZONES, parseCatalogue } from '../adapters/kwok/instancetypes.js';
import { kubernetesKwokNodeClasses, kubernetesKwokNodes } from '../adapters/kwok/nodes.js';
import type { CloudProvider, NodePoolLike } from '../core/cloudprovider/cloudprovider.js';
import type { WorkerConfig } from './config.js';
import { NodeClassController } from './nodeclass-controller.js';

export interface WorkerCloud {
  /** The provider, undecorated (the worker wraps it in the metrics decorator). */
  provider: CloudProvider;
  /** Tags an instance once its Node registered; only clouds with instance tags have one. */
  tagger?: RegisteredInstanceTagger;
  /** What the preflight checks the cloud with. */
  zones: CloudZonesPort;
  /** The interruption queue of this cloud, when it has one and it is configured. */
  interruptionQueue?: InterruptionQueue;
  /** Controllers the provider's node classes need (EC2NodeClass status); started before the worker bundles. */
  startControllers(): Promise<{ stop(): Promise<void> }[]>;
  /**
   * Loads what a provisioning round needs for this NodePool ahead of it — its instance types, renewed when they would
   * expire within `aheadMs`, and whatever else the provider caches (EC2: the cluster's launch templates, learned
   * once) — and returns how many instance types it has (0 while its node class is not ready).
   */
  prefetch(pool: NodePoolLike, aheadMs: number): Promise<number>;
}

export interface CloudDeps {
  config: WorkerConfig;
  kubeConfig: KubeConfig;
  custom: CustomObjectsApi;
  kubernetesVersion: string;
  logger: Logger;
}

export function buildCloud(deps: CloudDeps): WorkerCloud {
  return deps.config.cloudProvider === 'kwok' ? kwokCloud(deps) : awsCloud(deps);
}

function kwokCloud({ config, kubeConfig, custom }: CloudDeps): WorkerCloud {
  const file = config.kwok.instanceTypesFile;
  const provider = createKwokCloudProvider({
    nodes: kubernetesKwokNodes(kubeConfig),
    nodeClasses: kubernetesKwokNodeClasses(custom),
    ...(file ? { instanceTypes: parseCatalogue(readFileSync(file, 'utf8')) } : {}),
  });
  return {
    provider,
    zones: { region: async () => 'kwok', zones: async () => [...KWOK_ZONES] },
    // A KWOKNodeClass has no status to resolve: nothing to run.
    startControllers: async () => [],
    prefetch: async (pool) => (await provider.getInstanceTypes(pool)).length,
  };
}

function awsCloud({ config, kubeConfig, custom, kubernetesVersion, logger }: CloudDeps): WorkerCloud {
  const aws = { region: config.aws.region, ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}) };
  const ec2 = new EC2Client(aws);
  // One line per CreateFleet, with the NodeClaim it launches for and how long EC2 took: the last step of provisioning
  // latency (pod pending -> CreateFleet), which bench:e2e and the sandbox read back.
  ec2.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'CreateFleetCommand') return next(args);
      const input = args.input as { TagSpecifications?: { Tags?: { Key?: string; Value?: string }[] }[] };
      const nodeClaim = input.TagSpecifications?.[0]?.Tags?.find((t) => t.Key === 'karpenter.sh/nodeclaim')?.Value;
      const calledAt = Date.now();
      try {
        return await next(args);
      } finally {
        logger.info({ nodeClaim, calledAt, ms: Date.now() - calledAt }, 'called CreateFleet');
      }
    },
    { step: 'initialize', name: 'logCreateFleet' }
  );
  const ssm = new SSMClient(aws);
  const iam = new IAMClient(aws);

  // On-demand prices: an explicit table when given (isolated VPCs, the test bed's emulator); otherwise the Pricing API
  // (served from us-east-1 for every region) with the bundled us-east-1 table as the fallback Karpenter also keeps.
  const readPrices = (file: string | URL): Record<string, number> =>
    JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  const pricing = new PricingClient({ region: 'us-east-1' });
  const onDemandPrices = config.onDemandPricesFile
    ? staticOnDemandPrices(readPrices(config.onDemandPricesFile))
    : firstAvailable(
        pricingApiOnDemandPrices(
          async (input) => (await pricing.send(new GetProductsCommand(input))) as Awaited<ReturnType<GetProducts>>,
          config.aws.region
        ),
        staticOnDemandPrices(readPrices(new URL('../catalog/us-east-1/on-demand-prices.json', import.meta.url)))
      );
  const nodeClasses = watchCachedNodeClasses(kubernetesNodeClasses(custom));
  const provider = createAwsCloudProvider({
    ec2,
    ssm,
    iam,
    clusterName: config.clusterName,
    clusterEndpoint: config.clusterEndpoint ?? kubeConfig.getCurrentCluster()?.server ?? '',
    region: config.aws.region,
    nodeClasses,
    onDemandPrices,
  });
  let templatesKnown = false;
  return {
    provider,
    tagger: provider,
    zones: ec2Zones(ec2),
    async prefetch(pool, aheadMs) {
      if (!templatesKnown) {
        await provider.launchTemplates.hydrate();
        templatesKnown = true;
      }
      return provider.prefetchInstanceTypes(pool, aheadMs);
    },
    ...(config.interruptionQueue
      ? { interruptionQueue: sqsInterruptionQueue(new SQSClient(aws), config.interruptionQueue) }
      : {}),
    async startControllers() {
      const { reconcileNodeClassStatus } = createNodeClassReconciler({
        ec2,
        ssm,
        iam,
        objects: custom,
        clusterName: config.clusterName,
        region: config.aws.region,
        kubernetesVersion,
        clock: systemClock,
      });
      const controller = new NodeClassController(
        kubeConfig,
        reconcileNodeClassStatus,
        logger.child({ component: 'ec2nodeclass-controller' })
      );
      await controller.start();
      // From here on launches and rounds read classes from the controller's watch instead of the API server.
      nodeClasses.attach(controller);
      return [controller];
    },
  };
}
