/**
 * `simulate --region R`: the catalogue read live from EC2 through the project's EC2 provider (`adapters/aws`), for
 * the EC2NodeClasses in the manifests. Each class is resolved first (subnets → zones, AMIs → launchable types,
 * kubelet and block devices → capacity), then every NodePool asks the provider for its instance types, exactly as
 * the controller does. The SDK is configured the standard way: the region from the flag, the endpoint
 * (`AWS_ENDPOINT_URL`) and credentials from the environment.
 *
 * simulate is a what-if tool and must not change the account: IAM is read only. A class with `role` whose instance
 * profile does not exist yet would have it created by the controller; here the creation is refused, and that one
 * condition is treated as satisfied (with a warning) so the plan shows what would launch once it exists.
 */
import { readFileSync } from 'node:fs';

import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';

import { createAwsCloudProvider } from '../adapters/aws/cloudprovider.js';
import type { EC2NodeClass, EC2NodeClassSpec, EC2NodeClassStatus } from '../adapters/aws/nodeclass.js';
import { resolveNodeClass } from '../adapters/aws/nodeclass-resolver.js';
import { InMemoryNodeClasses } from '../adapters/aws/nodeclass-store.js';
import { staticOnDemandPrices } from '../adapters/aws/pricing.js';
import type { InstanceType, NodePoolLike } from '../core/cloudprovider/index.js';
import type { NodePool } from '../core/scheduling/types.js';

/** The marker of an IAM write simulate refused; found again in the InstanceProfileReady condition's message. */
const IAM_WRITE_REFUSED = 'simulate does not write to IAM';

class IamWriteRefused extends Error {
  override readonly name = 'IamWriteRefused';
  constructor(command: string) {
    super(`${command}: ${IAM_WRITE_REFUSED}`);
  }
}

/** An IAM client that sends only Get and List commands and refuses every other before it leaves the process. */
function readOnlyIam(iam: IAMClient): IAMClient {
  return new Proxy(iam, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver) as unknown;
      return (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        const name = command.constructor.name;
        if (!/^(Get|List)/.test(name)) return Promise.reject(new IamWriteRefused(name));
        return (target.send as (...args: unknown[]) => Promise<unknown>).call(target, command, ...rest);
      };
    },
  });
}

/**
 * The status with a refused instance-profile creation counted as done: the controller would create it. Only when
 * that was the sole unready dependency; anything else (no subnets, no AMI, a missing named profile) still blocks.
 */
function assumeInstanceProfile(status: EC2NodeClassStatus): { status: EC2NodeClassStatus; assumed: boolean } {
  const conditions = status.conditions ?? [];
  const profile = conditions.find((c) => c.type === 'InstanceProfileReady');
  const otherUnready = conditions.filter(
    (c) => c.type !== 'Ready' && c.type !== 'InstanceProfileReady' && c.status !== 'True'
  );
  if (profile?.status === 'True' || !profile?.message.includes(IAM_WRITE_REFUSED) || otherUnready.length > 0) {
    return { status, assumed: false };
  }
  return {
    assumed: true,
    status: {
      ...status,
      conditions: conditions.map((c) =>
        c.type === 'InstanceProfileReady' || c.type === 'Ready'
          ? { ...c, status: 'True' as const, reason: 'AssumedBySimulate', message: '' }
          : c
      ),
    },
  };
}

export interface LiveCatalogOptions {
  region: string;
  nodePools: readonly NodePool[];
  nodeClasses: readonly { name: string; spec: Record<string, unknown> }[];
  /** `--prices FILE`: `{type: USD/h}`; undefined = the bundled us-east-1 table. */
  pricesFile: string | undefined;
  bundledPricesFile: string;
  kubernetesVersion: string;
  clusterName: string;
}

export interface LiveCatalog {
  instanceTypes: InstanceType[];
  /** What the output says about where the catalogue and its prices came from. */
  source: { type: 'ec2'; region: string; onDemandPrices: string; spotPrices: string };
  warnings: string[];
}

function readPrices(file: string): Record<string, number> {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${file}: expected a JSON object {"instance-type": USD per hour}`);
  }
  const prices: Record<string, number> = {};
  for (const [type, price] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
      throw new Error(`${file}: price of ${type} is not a non-negative number`);
    }
    prices[type] = price;
  }
  return prices;
}

export async function liveCatalog(options: LiveCatalogOptions): Promise<LiveCatalog> {
  const warnings: string[] = [];
  const prices = readPrices(options.pricesFile ?? options.bundledPricesFile);
  const onDemandPrices =
    options.pricesFile !== undefined
      ? `from ${options.pricesFile}`
      : `bundled us-east-1 table (catalog/us-east-1/on-demand-prices.json, 2026-02-09)${
          options.region === 'us-east-1' ? '' : `, not ${options.region} prices; pass --prices FILE for those`
        }`;
  if (options.pricesFile === undefined) warnings.push(`on-demand prices: ${onDemandPrices}`);

  const config = { region: options.region };
  const ec2 = new EC2Client(config);
  const ssm = new SSMClient(config);
  const iam = new IAMClient(config);
  const clock = { now: () => Date.now() };
  const store = new InMemoryNodeClasses();
  try {
    const referenced = new Set(options.nodePools.map((p) => p.spec.template.spec.nodeClassRef?.name));
    for (const { name, spec } of options.nodeClasses) {
      if (!referenced.has(name)) continue;
      const nodeClass: EC2NodeClass = {
        metadata: { name, generation: 1 },
        spec: {
          subnetSelectorTerms: [],
          securityGroupSelectorTerms: [],
          amiSelectorTerms: [],
          ...(spec as Partial<EC2NodeClassSpec>),
        },
      };
      const resolved = await resolveNodeClass(
        {
          ec2,
          ssm,
          iam: readOnlyIam(iam),
          clusterName: options.clusterName,
          region: options.region,
          kubernetesVersion: options.kubernetesVersion,
          clock,
        },
        nodeClass
      );
      const { status, assumed } = assumeInstanceProfile(resolved);
      if (assumed) {
        warnings.push(
          `EC2NodeClass ${name}: its instance profile does not exist yet (the controller would create it for role ` +
            `${spec['role'] as string}); planned as if it did`
        );
      }
      const ready = status.conditions?.find((c) => c.type === 'Ready');
      if (ready?.status !== 'True') {
        warnings.push(`EC2NodeClass ${name} is not ready, its NodePools launch nothing: ${ready?.message ?? ''}`);
      }
      store.put({ ...nodeClass, status });
    }

    const provider = createAwsCloudProvider({
      ec2,
      ssm,
      iam: readOnlyIam(iam),
      clusterName: options.clusterName,
      clusterEndpoint: 'https://simulate.invalid',
      region: options.region,
      nodeClasses: store,
      onDemandPrices: staticOnDemandPrices(prices),
      clock,
    });
    // The solver takes one catalogue. NodePools of one class share the provider's array; NodePools of different
    // classes are merged by type name, the first NodePool's class (by weight, then name) deciding capacity.
    const pools = [...options.nodePools].sort(
      (a, b) =>
        (b.spec.weight ?? 0) - (a.spec.weight ?? 0) ||
        (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0)
    );
    const lists: { nodeClass: string; types: InstanceType[] }[] = [];
    for (const pool of pools) {
      const ref = pool.spec.template.spec.nodeClassRef;
      if (ref === undefined) {
        warnings.push(`NodePool ${pool.metadata.name} has no nodeClassRef; it launches nothing`);
        continue;
      }
      if (!options.nodeClasses.some((c) => c.name === ref.name)) {
        warnings.push(`NodePool ${pool.metadata.name}: EC2NodeClass ${ref.name} is not in the manifests`);
      }
      const types = await provider.getInstanceTypes(pool as unknown as NodePoolLike);
      if (!lists.some((l) => l.types === types)) lists.push({ nodeClass: ref.name, types });
    }
    let instanceTypes = lists[0]?.types ?? [];
    if (lists.length > 1) {
      const classes = [...new Set(lists.map((l) => l.nodeClass))];
      warnings.push(
        `NodePools reference several EC2NodeClasses (${classes.join(', ')}); the solver takes one catalogue, so ` +
          `types are merged by name and the capacity and zones of "${classes[0] ?? ''}" win where they overlap`
      );
      const byName = new Map<string, InstanceType>();
      for (const list of lists) for (const type of list.types) if (!byName.has(type.name)) byName.set(type.name, type);
      instanceTypes = [...byName.values()];
    }
    return {
      instanceTypes,
      source: {
        type: 'ec2',
        region: options.region,
        onDemandPrices,
        spotPrices: `DescribeSpotPriceHistory in ${options.region}`,
      },
      warnings,
    };
  } finally {
    ec2.destroy();
    ssm.destroy();
    iam.destroy();
  }
}
