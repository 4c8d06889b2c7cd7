/**
 * The EC2 CloudProvider (Karpenter `pkg/cloudprovider/cloudprovider.go`): the port's verbs over small per-concern
 * providers — catalogue (instance types, offerings, prices, ICE cache), launch templates, instances — and the
 * node class the NodeClaim names, read from a NodeClassSource with its resolved status.
 *
 * Launch idempotency has two independent guards, because a retried or replayed activity must never buy a second
 * instance: (1) before any launch, a DescribeInstances look-up by the `karpenter.sh/nodeclaim` tag adopts an
 * instance already launched for the NodeClaim; (2) CreateFleet's ClientToken is derived from the NodeClaim uid, so
 * EC2 itself answers a repeat of a request whose response was lost with the original fleet.
 */
import {
  CreateFleetCommand,
  type CreateFleetCommandOutput,
  type CreateFleetError,
  type EC2Client,
  type FleetLaunchTemplateConfigRequest,
} from '@aws-sdk/client-ec2';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import {
  allocatable as allocatableOf,
  CreateError,
  InsufficientCapacityError,
  NodeClaimNotFoundError,
  NodeClassNotReadyError,
  type CloudInstance,
  type CloudProvider,
  type DriftReason,
  type InstanceType,
  type LaunchedNodeClaim,
  type NodeClaimLike,
  type NodePoolLike,
} from '../../core/cloudprovider/index.js';
import { Requirements } from '../../core/requirements/index.js';
import { systemClock, type Clock } from './clock.js';
import {
  driftOf,
  ec2NodeClassHash,
  NODECLASS_HASH_ANNOTATION,
  NODECLASS_HASH_VERSION,
  NODECLASS_HASH_VERSION_ANNOTATION,
} from './drift.js';
import {
  AwsApiError,
  awsErrorCode,
  isUnfulfillableCapacityCode,
  LAUNCH_TEMPLATE_NOT_FOUND_CODES,
  toAwsApiError,
  UNFULFILLABLE_CAPACITY_CODES,
} from './errors.js';
import {
  canonicalRequests,
  ON_DEMAND_ALLOCATION_STRATEGY,
  planLaunch,
  SPOT_ALLOCATION_STRATEGY,
  type Candidate,
} from './fleet.js';
import { UnavailableOfferings, type OfferingKey } from './ice-cache.js';
import { InstanceProvider, instanceIdOf, providerIdOf, type Ec2Instance } from './instances.js';
import { InstanceTypeProvider } from './instancetype-provider.js';
import { LABEL } from './instancetype.js';
import { LaunchTemplateProvider } from './launchtemplate.js';
import { amiFamilyOf, isNodeClassReady, type EC2NodeClass, type ResolvedAmi } from './nodeclass.js';
import type { NodeClassSource } from './nodeclass-store.js';
import { PricingProvider, type OnDemandPriceSource } from './pricing.js';
import { instanceTags, TAG, toEc2Tags } from './tags.js';
import { kubeletLabels, renderUserData } from './userdata.js';

export const CLOUD_PROVIDER_NAME = 'aws';

/** CreateFleet's limit on LaunchTemplateConfigs per request. */
export const MAX_LAUNCH_TEMPLATE_CONFIGS = 50;

/** A CreateError that also says whether trying again can help (throttling, 5xx) and what AWS answered. */
export class AwsCreateError extends CreateError {
  constructor(
    message: string,
    conditionReason: string,
    readonly retryable: boolean,
    readonly awsErrorCode?: string,
    readonly attempts?: number,
    readonly totalRetryDelayMs?: number
  ) {
    super(message, conditionReason);
  }
}

/**
 * What create returns: the port's LaunchedNodeClaim plus the annotations Karpenter's AWS provider puts on the
 * NodeClaim at launch (the node class hash, for static drift). Extra to the port, which has no annotations field
 * yet; a caller that copies them onto the NodeClaim enables NodeClassDrift.
 */
type FleetRequest = Awaited<ReturnType<AwsCloudProvider['prepareFleet']>>;

export interface AwsLaunchedNodeClaim extends LaunchedNodeClaim {
  annotations: Record<string, string>;
}

export interface AwsCloudProviderOptions {
  ec2: EC2Client;
  ssm: SSMClient;
  iam: IAMClient;
  clusterName: string;
  clusterEndpoint: string;
  region: string;
  nodeClasses: NodeClassSource;
  onDemandPrices: OnDemandPriceSource;
  clock?: Clock;
  /** Base64 cluster CA for the bootstrap. */
  caBundle?: string;
  /** Service CIDR for nodeadm. */
  clusterCIDR?: string;
  vmMemoryOverheadPercent?: number;
}

/**
 * The newest AMI of the class that can boot this instance type (status AMIs are newest first). The type's
 * requirements are complete facts (absent labels are stated as absent), so nothing is left undefined to allow.
 */
export function amiFor(instanceType: InstanceType, amis: readonly ResolvedAmi[]): ResolvedAmi | undefined {
  const typeRequirements = Requirements.fromNodeSelectorRequirements(instanceType.requirements);
  return amis.find((ami) => typeRequirements.isCompatible(Requirements.fromNodeSelectorRequirements(ami.requirements)));
}

export class AwsCloudProvider implements CloudProvider {
  readonly unavailableOfferings: UnavailableOfferings;
  readonly instanceTypes: InstanceTypeProvider;
  readonly launchTemplates: LaunchTemplateProvider;
  readonly instances: InstanceProvider;
  private readonly clock: Clock;
  /** Launchable subset per built catalogue (the catalogue is rebuilt, and so a new key, when its inputs change). */
  private readonly launchable = new WeakMap<InstanceType[], { amisKey: string; value: InstanceType[] }>();

  constructor(private readonly options: AwsCloudProviderOptions) {
    this.clock = options.clock ?? systemClock;
    this.unavailableOfferings = new UnavailableOfferings(this.clock);
    const pricing = new PricingProvider(options.ec2, options.onDemandPrices, this.clock);
    this.instanceTypes = new InstanceTypeProvider(
      options.ec2,
      pricing,
      this.unavailableOfferings,
      this.clock,
      options.region,
      options.vmMemoryOverheadPercent
    );
    this.launchTemplates = new LaunchTemplateProvider(options.ec2, options.clusterName, this.clock);
    this.instances = new InstanceProvider(options.ec2, options.clusterName);
  }

  name(): string {
    return CLOUD_PROVIDER_NAME;
  }

  private async readyNodeClass(nodeClassName: string): Promise<EC2NodeClass> {
    const nodeClass = await this.options.nodeClasses.get(nodeClassName);
    if (nodeClass === undefined) throw new NodeClassNotReadyError(`EC2NodeClass ${nodeClassName} does not exist`);
    if (!isNodeClassReady(nodeClass)) {
      const ready = nodeClass.status?.conditions?.find((c) => c.type === 'Ready');
      throw new NodeClassNotReadyError(
        `EC2NodeClass ${nodeClassName} is not ready${ready?.message ? `: ${ready.message}` : ''}`
      );
    }
    return nodeClass;
  }

  /** Instance types the class can launch: offered in its zones and bootable by one of its AMIs. */
  private async launchableTypes(nodeClass: EC2NodeClass, aheadMs = 0): Promise<InstanceType[]> {
    const amis = nodeClass.status?.amis ?? [];
    const all = await this.instanceTypes.list(nodeClass, aheadMs);
    const amisKey = JSON.stringify(amis);
    const cached = this.launchable.get(all);
    if (cached !== undefined && cached.amisKey === amisKey) return cached.value;
    const value = all.filter((it) => amiFor(it, amis) !== undefined);
    this.launchable.set(all, { amisKey, value });
    return value;
  }

  async getInstanceTypes(nodePool: NodePoolLike): Promise<InstanceType[]> {
    const nodeClass = await this.options.nodeClasses.get(nodePool.spec.template.spec.nodeClassRef.name);
    // A class that is missing or not ready offers nothing; the NodePool's NodeClassReady condition says why.
    if (nodeClass === undefined || !isNodeClassReady(nodeClass)) return [];
    return this.launchableTypes(nodeClass);
  }

  /**
   * Loads (or reloads, when it would expire within `aheadMs`) the pool's catalogue, so that the next solve or launch
   * finds it cached. Returns how many types the pool offers: 0 while its EC2NodeClass is missing or not Ready.
   */
  async prefetchInstanceTypes(nodePool: NodePoolLike, aheadMs: number): Promise<number> {
    const nodeClass = await this.options.nodeClasses.get(nodePool.spec.template.spec.nodeClassRef.name);
    if (nodeClass === undefined || !isNodeClassReady(nodeClass)) return 0;
    return (await this.launchableTypes(nodeClass, aheadMs)).length;
  }

  async create(nodeClaim: NodeClaimLike): Promise<AwsLaunchedNodeClaim> {
    const uid = nodeClaim.metadata.uid;
    if (uid === undefined || uid === '') {
      throw new AwsCreateError(
        `nodeclaim ${nodeClaim.metadata.name} has no uid to key its launch on`,
        'LaunchFailed',
        false
      );
    }
    // The look-up of an instance an earlier attempt launched runs alongside reading the class and its catalogue.
    const lookup = this.instances.findByNodeClaim(nodeClaim.metadata.name).then(
      (instance) => ({ instance }),
      (error: unknown) => ({ error })
    );
    const nodeClass = await this.readyNodeClass(nodeClaim.spec.nodeClassRef.name);
    try {
      const instanceTypes = await this.launchableTypes(nodeClass);
      // The request (plan, launch templates) is prepared while the look-up runs, so a first launch does not wait for
      // one round trip after the other. A retry that finds its instance drops it; any template it ensured is one the
      // next launch reuses or the unused-template sweep deletes.
      const prepared = this.prepareFleet(nodeClaim, nodeClass, instanceTypes);
      prepared.catch(() => undefined); // observed below, or dropped with the look-up's answer
      const found = await lookup;
      if ('error' in found) throw found.error;
      const existing = found.instance;
      if (existing !== undefined) return this.launched(existing, instanceTypes, nodeClass);
      return await this.launch(nodeClaim, uid, nodeClass, instanceTypes, prepared);
    } catch (error) {
      if (error instanceof InsufficientCapacityError || error instanceof CreateError) throw error;
      throw this.createError(error);
    }
  }

  private createError(error: unknown, reason?: string): AwsCreateError {
    const aws = toAwsApiError('launch', error);
    const retryable = aws.retryable || reason !== undefined;
    return new AwsCreateError(
      `launching nodeclaim: ${aws.message}`,
      reason ?? (retryable ? 'LaunchRetryable' : 'LaunchFailed'),
      retryable,
      aws.code,
      aws.attempts,
      aws.totalRetryDelayMs
    );
  }

  /** What a launch sends: the launch plan, its launch templates (ensured) and the fleet's configs and tags. */
  private async prepareFleet(nodeClaim: NodeClaimLike, nodeClass: EC2NodeClass, instanceTypes: InstanceType[]) {
    const status = nodeClass.status ?? {};
    const subnetByZone = new Map<string, string>();
    for (const s of status.subnets ?? []) if (!subnetByZone.has(s.zone)) subnetByZone.set(s.zone, s.id);
    const zoneBySubnet = new Map([...subnetByZone].map(([zone, id]) => [id, zone]));
    const plan = planLaunch(
      nodeClaim.spec.requirements,
      instanceTypes,
      new Set(subnetByZone.keys()),
      canonicalRequests(nodeClaim.spec.resources?.requests)
    );
    if (plan === undefined) {
      throw new InsufficientCapacityError(
        `no available offering of ${instanceTypes.length} launchable instance types meets the nodeclaim's requirements`
      );
    }
    const amis = status.amis ?? [];
    const family = amiFamilyOf(nodeClass.spec);
    const labels: Record<string, string> = {};
    Object.assign(labels, kubeletLabels(nodeClaim.metadata.labels ?? {}));
    labels[LABEL.capacityType] = plan.capacityType;
    const taints = [...(nodeClaim.spec.taints ?? []), ...(nodeClaim.spec.startupTaints ?? [])];
    const nodeClassName = nodeClass.metadata.name ?? nodeClaim.spec.nodeClassRef.name;
    const nodePoolName = nodeClaim.metadata.labels?.[LABEL.nodePool];
    const tags = instanceTags({
      clusterName: this.options.clusterName,
      nodeClassName,
      nodeClaimName: nodeClaim.metadata.name,
      ...(nodePoolName !== undefined ? { nodePoolName } : {}),
      ...(nodeClass.spec.tags !== undefined ? { userTags: nodeClass.spec.tags } : {}),
    });

    // One launch template per (AMI, max pods): the user data carries max pods, the template the AMI.
    const groups = new Map<string, { imageId: string; pods: number; choices: Candidate[] }>();
    for (const choice of plan.choices) {
      const ami = amiFor(choice.instanceType, amis);
      if (ami === undefined) continue;
      const pods = choice.instanceType.capacity['pods'] ?? 0;
      const key = `${ami.id}/${pods}`;
      const group = groups.get(key) ?? { imageId: ami.id, pods, choices: [] };
      group.choices.push(choice);
      groups.set(key, group);
    }
    // CreateFleet takes at most 50 launch template configs; groups were formed cheapest first, so keep those. The
    // templates are ensured concurrently (each is a look-up and maybe a create the first time).
    const chosen = [...groups.values()].slice(0, MAX_LAUNCH_TEMPLATE_CONFIGS);
    const templates = await Promise.all(
      chosen.map((group) =>
        this.launchTemplates.ensure({
          clusterName: this.options.clusterName,
          nodeClassName,
          amiFamily: family,
          imageId: group.imageId,
          userData: renderUserData(family, {
            clusterName: this.options.clusterName,
            clusterEndpoint: this.options.clusterEndpoint,
            ...(this.options.caBundle !== undefined ? { caBundle: this.options.caBundle } : {}),
            ...(this.options.clusterCIDR !== undefined ? { clusterCIDR: this.options.clusterCIDR } : {}),
            labels,
            taints,
            ...(nodeClass.spec.kubelet !== undefined ? { kubelet: nodeClass.spec.kubelet } : {}),
            maxPods: group.pods,
            ...(nodeClass.spec.userData !== undefined ? { customUserData: nodeClass.spec.userData } : {}),
          }),
          ...(status.instanceProfile !== undefined ? { instanceProfile: status.instanceProfile } : {}),
          securityGroupIds: (status.securityGroups ?? []).map((g) => g.id),
          spec: nodeClass.spec,
          // Not the NodeClaim's own tag: a template is shared by every NodeClaim with the same content.
          tags: Object.fromEntries(Object.entries(tags).filter(([key]) => key !== TAG.nodeClaim)),
        })
      )
    );
    const templateNames = templates.map((t) => t.name);
    const configs: FleetLaunchTemplateConfigRequest[] = chosen.map((group, i) => {
      const template = templates[i]!;
      return {
        LaunchTemplateSpecification: { LaunchTemplateId: template.id, Version: '$Latest' },
        Overrides: group.choices.map((c) => ({
          InstanceType: c.instanceType.name as never,
          SubnetId: subnetByZone.get(c.offering.zone)!,
          ImageId: group.imageId,
        })),
      };
    });
    return { plan, configs, templateNames, zoneBySubnet, tags };
  }

  private async launch(
    nodeClaim: NodeClaimLike,
    uid: string,
    nodeClass: EC2NodeClass,
    instanceTypes: InstanceType[],
    prepared?: Promise<FleetRequest>,
    retryOnMissingTemplate = true
  ): Promise<AwsLaunchedNodeClaim> {
    const { plan, configs, templateNames, zoneBySubnet, tags } = await (prepared ??
      this.prepareFleet(nodeClaim, nodeClass, instanceTypes));
    const ec2Tags = toEc2Tags(tags);
    const sendFleet = () =>
      this.options.ec2.send(
        new CreateFleetCommand({
          Type: 'instant',
          // The uid alone, not the request: a retry whose overrides changed (ICE cache, prices) must still be
          // recognised by EC2 (it answers IdempotentParameterMismatch, retryable, and the next attempt's tag look-up
          // adopts) rather than launch a second instance. The price: a fleet that failed without ICE keeps failing for
          // this uid until the launch timeout replaces the NodeClaim, which is the cheaper mistake.
          ClientToken: uid,
          TargetCapacitySpecification: {
            TotalTargetCapacity: 1,
            DefaultTargetCapacityType: plan.capacityType === 'spot' ? 'spot' : 'on-demand',
          },
          ...(plan.capacityType === 'spot'
            ? { SpotOptions: { AllocationStrategy: SPOT_ALLOCATION_STRATEGY } }
            : { OnDemandOptions: { AllocationStrategy: ON_DEMAND_ALLOCATION_STRATEGY } }),
          LaunchTemplateConfigs: configs,
          TagSpecifications: [
            { ResourceType: 'instance', Tags: ec2Tags },
            { ResourceType: 'volume', Tags: ec2Tags },
            { ResourceType: 'fleet', Tags: ec2Tags },
          ],
        })
      );
    let out: CreateFleetCommandOutput;
    try {
      out = await sendFleet();
    } catch (error) {
      if (!LAUNCH_TEMPLATE_NOT_FOUND_CODES.has(awsErrorCode(error) ?? '')) throw error;
      // Another worker (or the unused-template sweep) deleted a template this process had cached: forget them all
      // and build the request once more, which recreates the template.
      for (const name of templateNames) this.launchTemplates.invalidate(name);
      if (!retryOnMissingTemplate) throw this.createError(error, 'LaunchTemplateNotFound');
      return this.launch(nodeClaim, uid, nodeClass, instanceTypes, undefined, false);
    }
    const unavailable = this.recordCapacityErrors(out.Errors ?? [], zoneBySubnet, plan.capacityType);
    const launched = out.Instances?.find((i) => (i.InstanceIds?.length ?? 0) > 0);
    const instanceId = launched?.InstanceIds?.[0];
    if (launched === undefined || instanceId === undefined) {
      const other = (out.Errors ?? []).find((e) => !isUnfulfillableCapacityCode(e.ErrorCode));
      if (other === undefined) {
        throw new InsufficientCapacityError(
          `no capacity for any of ${plan.choices.length} ${plan.capacityType} offerings`,
          unavailable
        );
      }
      throw new AwsCreateError(
        `launching nodeclaim: CreateFleet: ${other.ErrorCode ?? 'Unknown'}: ${other.ErrorMessage ?? ''}`,
        'LaunchFailed',
        false,
        other.ErrorCode
      );
    }
    const override = launched.LaunchTemplateAndOverrides?.Overrides;
    const instanceTypeName = launched.InstanceType ?? override?.InstanceType ?? '';
    const zone =
      (override?.SubnetId !== undefined ? zoneBySubnet.get(override.SubnetId) : undefined) ??
      override?.AvailabilityZone ??
      '';
    return this.launched(
      {
        id: instanceId,
        instanceType: instanceTypeName,
        zone,
        capacityType: launched.Lifecycle === 'spot' ? 'spot' : 'on-demand',
        ...(override?.ImageId !== undefined ? { imageId: override.ImageId } : {}),
        securityGroupIds: [],
        state: 'pending',
        launchTime: new Date(this.clock.now()).toISOString(),
        tags,
      },
      instanceTypes,
      nodeClass
    );
  }

  /** Marks every capacity error's offering unavailable (the solver then sees `available: false`) and lists them. */
  private recordCapacityErrors(
    errors: readonly CreateFleetError[],
    zoneBySubnet: ReadonlyMap<string, string>,
    capacityType: string
  ): OfferingKey[] {
    const marked: OfferingKey[] = [];
    for (const error of errors) {
      if (!UNFULFILLABLE_CAPACITY_CODES.has(error.ErrorCode ?? '')) continue;
      const override = error.LaunchTemplateAndOverrides?.Overrides;
      const instanceType = override?.InstanceType;
      const zone =
        (override?.SubnetId !== undefined ? zoneBySubnet.get(override.SubnetId) : undefined) ??
        override?.AvailabilityZone;
      if (instanceType === undefined || zone === undefined) continue;
      const offering = { instanceType, zone, capacityType: error.Lifecycle ?? capacityType };
      this.unavailableOfferings.markUnavailable(offering);
      marked.push(offering);
    }
    return marked;
  }

  /** The NodeClaim status of a launched (or adopted) instance: its type's labels, capacity and allocatable. */
  private launched(
    instance: Ec2Instance,
    instanceTypes: readonly InstanceType[],
    nodeClass: EC2NodeClass
  ): AwsLaunchedNodeClaim {
    const instanceType = instanceTypes.find((it) => it.name === instance.instanceType);
    const labels: Record<string, string> = {};
    for (const r of instanceType?.requirements ?? []) {
      if (r.operator === 'In' && r.values?.length === 1) labels[r.key] = r.values[0]!;
    }
    labels[LABEL.instanceType] = instance.instanceType;
    labels[LABEL.zone] = instance.zone;
    labels[LABEL.capacityType] = instance.capacityType;
    labels[LABEL.region] = this.options.region;
    const zoneID = instanceType?.offerings.find((o) => o.zone === instance.zone)?.labels?.[LABEL.zoneID];
    if (zoneID !== undefined) labels[LABEL.zoneID] = zoneID;
    return {
      providerID: providerIdOf(instance.zone, instance.id),
      ...(instance.imageId !== undefined ? { imageID: instance.imageId } : {}),
      labels,
      capacity: instanceType?.capacity ?? {},
      allocatable: instanceType !== undefined ? allocatableOf(instanceType) : {},
      annotations: {
        [NODECLASS_HASH_ANNOTATION]: ec2NodeClassHash(nodeClass.spec),
        [NODECLASS_HASH_VERSION_ANNOTATION]: NODECLASS_HASH_VERSION,
      },
    };
  }

  async get(providerID: string): Promise<CloudInstance> {
    const id = instanceIdOf(providerID);
    if (id === undefined) throw new NodeClaimNotFoundError(`${providerID} is not an EC2 provider id`);
    const instance = await this.instances.get(id);
    if (instance === undefined) throw new NodeClaimNotFoundError(`instance ${id} not found`);
    return toCloudInstance(instance);
  }

  async list(): Promise<CloudInstance[]> {
    return (await this.instances.list()).map(toCloudInstance);
  }

  async delete(nodeClaim: NodeClaimLike): Promise<void> {
    const providerID = nodeClaim.status?.providerID;
    let instanceId = providerID !== undefined && providerID !== '' ? instanceIdOf(providerID) : undefined;
    if (instanceId !== undefined) {
      if ((await this.instances.get(instanceId)) === undefined) instanceId = undefined;
    } else {
      // The launch may have succeeded without its answer reaching the NodeClaim: find it by tag.
      instanceId = (await this.instances.findByNodeClaim(nodeClaim.metadata.name))?.id;
    }
    if (instanceId === undefined)
      throw new NodeClaimNotFoundError(`no instance for nodeclaim ${nodeClaim.metadata.name}`);
    if (!(await this.instances.terminate(instanceId))) {
      throw new NodeClaimNotFoundError(`instance ${instanceId} not found`);
    }
  }

  /**
   * Karpenter's tagging controller: once the NodeClaim's Node is registered, the instance gets `Name=<node name>`
   * (and `karpenter.sh/nodeclaim` again, harmlessly). Idempotent; NodeClaimNotFound when the instance is gone.
   * Not part of the port; the lifecycle calls it after registration.
   */
  async tagRegisteredInstance(providerID: string, nodeName: string, nodeClaimName: string): Promise<void> {
    const id = instanceIdOf(providerID);
    // Look first: CreateTags on a terminated instance succeeds on AWS for a while (and on moto for unknown ids).
    const live = id === undefined ? undefined : await this.instances.get(id);
    if (
      live === undefined ||
      !(await this.instances.tag(live.id, { [TAG.name]: nodeName, [TAG.nodeClaim]: nodeClaimName }))
    ) {
      throw new NodeClaimNotFoundError(`instance ${providerID} not found`);
    }
  }

  async isDrifted(nodeClaim: NodeClaimLike): Promise<DriftReason> {
    const providerID = nodeClaim.status?.providerID;
    const id = providerID !== undefined ? instanceIdOf(providerID) : undefined;
    if (id === undefined) return '';
    const [instance, nodeClass] = await Promise.all([
      this.instances.get(id),
      this.options.nodeClasses.get(nodeClaim.spec.nodeClassRef.name),
    ]);
    if (instance === undefined || nodeClass === undefined || !isNodeClassReady(nodeClass)) return '';
    return driftOf(instance, nodeClass, nodeClaim.metadata.annotations ?? {});
  }
}

function toCloudInstance(instance: Ec2Instance): CloudInstance {
  const nodeClaimName = instance.tags[TAG.nodeClaim];
  const nodePoolName = instance.tags[TAG.nodePool];
  return {
    providerID: providerIdOf(instance.zone, instance.id),
    ...(nodeClaimName !== undefined ? { nodeClaimName } : {}),
    ...(nodePoolName !== undefined ? { nodePoolName } : {}),
    instanceType: instance.instanceType,
    zone: instance.zone,
    capacityType: instance.capacityType,
    state: instance.state,
    launchTime: instance.launchTime,
  };
}

export function createAwsCloudProvider(options: AwsCloudProviderOptions): AwsCloudProvider {
  return new AwsCloudProvider(options);
}

export { AwsApiError };
