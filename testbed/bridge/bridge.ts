import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  type EC2Client,
  type Instance,
  type InstanceTypeInfo,
} from '@aws-sdk/client-ec2';
import {
  CoreV1Api,
  type KubeConfig,
  type V1Node,
  type V1Taint,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { eniLimitedPods, evictionThreshold, kubeReserved, vmMemoryCapacity } from '../../adapters/aws/overhead.js';
import { parseBootstrap } from './user-data.js';

/** How a booting instance behaves; tests switch it through the bridge's control port. */
export type RegistrationMode = 'normal' | 'never' | 'notready';

export interface BridgeSettings {
  /** Delay between first seeing a running instance and registering its Node. */
  bootDelayMs: number;
  registration: RegistrationMode;
  /** Taint keys the "DaemonSet" removes from a registered Node after `startupTaintRemovalMs` (startup taints). */
  startupTaintKeys: string[];
  startupTaintRemovalMs: number;
}

export interface BridgeOptions {
  ec2: EC2Client;
  kubeConfig: KubeConfig;
  clusterName: string;
  region: string;
  kubeletVersion: string;
  log: Logger;
  settings: BridgeSettings;
  now?: () => number;
}

/** Annotations the bridge writes so it recognises its own Nodes. */
export const INSTANCE_ANNOTATION = 'testbed.karpenter-temporal/instance-id';
const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';
const GiB = 1024 ** 3;
const ROOT_VOLUME_BYTES = 20 * GiB; // AL2023's default root volume (Karpenter's default block device mapping)

/**
 * Plays the kubelet (registration) and the cloud-controller-manager (node deletion) for emulated EC2 instances:
 * a running instance tagged for the cluster becomes a Node after a boot delay, labelled and tainted the way its
 * user data asks, with capacity and allocatable from the instance type; a terminated instance loses its Node.
 * kwok then animates the Node (Ready, leases) and its pods.
 */
export class KubeletBridge {
  private readonly core: CoreV1Api;
  private readonly firstSeen = new Map<string, number>();
  private readonly registeredAt = new Map<string, number>();
  private readonly skipped = new Set<string>();
  private readonly typeInfo = new Map<string, InstanceTypeInfo>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  settings: BridgeSettings;

  constructor(private readonly options: BridgeOptions) {
    this.core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.settings = { ...options.settings };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  start(intervalMs = 500): void {
    const loop = async (): Promise<void> => {
      if (this.running) return;
      this.running = true;
      try {
        await this.reconcile();
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message }, 'bridge reconcile failed');
      } finally {
        this.running = false;
      }
    };
    this.timer = setInterval(() => void loop(), intervalMs);
    void loop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass: register due instances, delete Nodes of gone instances, lift startup taints that are due. */
  async reconcile(): Promise<void> {
    const instances = await this.clusterInstances();
    const nodes = await this.core.listNode();
    const nodeByInstance = new Map<string, V1Node>();
    for (const node of nodes.items) {
      const id = node.metadata?.annotations?.[INSTANCE_ANNOTATION];
      if (id) nodeByInstance.set(id, node);
    }
    const live = instances.filter((i) => i.State?.Name === 'running' || i.State?.Name === 'pending');
    await this.ensureTypeInfo(live.map((i) => i.InstanceType!).filter(Boolean));

    for (const instance of live) {
      const id = instance.InstanceId!;
      if (nodeByInstance.has(id) || this.skipped.has(id)) continue;
      const seen = this.firstSeen.get(id) ?? this.now();
      this.firstSeen.set(id, seen);
      if (this.now() - seen < this.settings.bootDelayMs) continue;
      if (this.settings.registration === 'never') {
        this.skipped.add(id);
        this.options.log.info({ instanceId: id }, 'instance will never register (registration=never)');
        continue;
      }
      await this.register(instance);
    }

    for (const instance of instances) {
      const state = instance.State?.Name;
      const node = nodeByInstance.get(instance.InstanceId!);
      if (!node || state === 'running' || state === 'pending') continue;
      if (node.metadata?.deletionTimestamp) continue;
      await this.core.deleteNode({ name: node.metadata!.name! }).catch((err: { code?: number }) => {
        if (err.code !== 404) throw err;
      });
      this.options.log.info(
        { instanceId: instance.InstanceId, node: node.metadata?.name, state },
        'deleted node of gone instance'
      );
    }

    await this.liftStartupTaints(nodes.items);
  }

  private async clusterInstances(): Promise<Instance[]> {
    const instances: Instance[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.options.ec2.send(
        new DescribeInstancesCommand({
          Filters: [{ Name: 'tag-key', Values: [`kubernetes.io/cluster/${this.options.clusterName}`] }],
          MaxResults: 500,
          NextToken: nextToken,
        })
      );
      for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    return instances;
  }

  private async ensureTypeInfo(types: string[]): Promise<void> {
    const missing = [...new Set(types)].filter((t) => !this.typeInfo.has(t));
    for (let i = 0; i < missing.length; i += 100) {
      const page = await this.options.ec2.send(
        new DescribeInstanceTypesCommand({ InstanceTypes: missing.slice(i, i + 100) as never })
      );
      for (const info of page.InstanceTypes ?? []) this.typeInfo.set(info.InstanceType!, info);
    }
  }

  private async userData(instanceId: string): Promise<string> {
    const out = await this.options.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'userData' })
    );
    const value = out.UserData?.Value;
    return value ? Buffer.from(value, 'base64').toString('utf8') : '';
  }

  private async register(instance: Instance): Promise<void> {
    const id = instance.InstanceId!;
    const info = this.typeInfo.get(instance.InstanceType!);
    if (!info) throw new Error(`no instance type info for ${instance.InstanceType}`);
    const zone = instance.Placement?.AvailabilityZone ?? `${this.options.region}a`;
    const bootstrap = parseBootstrap(await this.userData(id));
    const arch = info.ProcessorInfo?.SupportedArchitectures?.includes('arm64') ? 'arm64' : 'amd64';
    const name =
      instance.PrivateDnsName ||
      `ip-${(instance.PrivateIpAddress ?? '10.0.0.1').replaceAll('.', '-')}.${this.options.region}.compute.internal`;

    const vcpus = info.VCpuInfo?.DefaultVCpus ?? 1;
    const memory = vmMemoryCapacity(info.MemoryInfo?.SizeInMiB ?? 1024, arch);
    const pods = eniLimitedPods(
      info.NetworkInfo?.MaximumNetworkInterfaces ?? 1,
      info.NetworkInfo?.Ipv4AddressesPerInterface ?? 2
    );
    const capacity: Record<string, string> = {
      cpu: String(vcpus),
      memory: `${Math.floor(memory / 1024)}Ki`,
      pods: String(pods),
      'ephemeral-storage': `${Math.floor(ROOT_VOLUME_BYTES / 1024)}Ki`,
    };
    const gpus = (info.GpuInfo?.Gpus ?? []).reduce((n, g) => n + (g.Count ?? 0), 0);
    if (gpus > 0) {
      const manufacturer = info.GpuInfo?.Gpus?.[0]?.Manufacturer?.toLowerCase();
      capacity[manufacturer === 'amd' ? 'amd.com/gpu' : 'nvidia.com/gpu'] = String(gpus);
    }
    const neuron = (info.NeuronInfo?.NeuronDevices ?? []).reduce((n, d) => n + (d.Count ?? 0), 0);
    if (neuron > 0) capacity['aws.amazon.com/neuron'] = String(neuron);

    const reserved = kubeReserved(vcpus * 1000, pods);
    const eviction = evictionThreshold(memory, ROOT_VOLUME_BYTES);
    const allocatable: Record<string, string> = {
      ...capacity,
      cpu: `${vcpus * 1000 - (reserved.cpu ?? 0)}m`,
      memory: `${Math.floor((memory - (reserved.memory ?? 0) - (eviction.memory ?? 0)) / 1024)}Ki`,
      'ephemeral-storage': `${Math.floor((ROOT_VOLUME_BYTES - (reserved['ephemeral-storage'] ?? 0) - (eviction['ephemeral-storage'] ?? 0)) / 1024)}Ki`,
    };

    const labels: Record<string, string> = {
      'kubernetes.io/arch': arch,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': name,
      'node.kubernetes.io/instance-type': instance.InstanceType!,
      'topology.kubernetes.io/region': this.options.region,
      'topology.kubernetes.io/zone': zone,
      ...bootstrap.labels,
    };
    const annotations: Record<string, string> = { [INSTANCE_ANNOTATION]: id };
    // kwok animates only Nodes it is told to manage; a "notready" boot is a Node nobody makes Ready.
    if (this.settings.registration !== 'notready') annotations[KWOK_ANNOTATION] = 'fake';

    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels, annotations },
      spec: { providerID: `aws:///${zone}/${id}`, taints: bootstrap.taints },
      status: {
        capacity,
        allocatable,
        addresses: [
          { type: 'InternalIP', address: instance.PrivateIpAddress ?? '10.0.0.1' },
          { type: 'Hostname', address: name },
          { type: 'InternalDNS', address: name },
        ],
        nodeInfo: {
          architecture: arch,
          bootID: id,
          containerRuntimeVersion: 'containerd://2.1.0',
          kernelVersion: '6.12.0',
          kubeProxyVersion: '',
          kubeletVersion: `v${this.options.kubeletVersion}`,
          machineID: id,
          operatingSystem: 'linux',
          osImage: 'Amazon Linux 2023',
          systemUUID: id,
        },
      },
    };
    try {
      await this.core.createNode({ body: node });
    } catch (err) {
      if ((err as { code?: number }).code === 409) return;
      throw err;
    }
    this.registeredAt.set(name, this.now());
    this.options.log.info(
      { instanceId: id, node: name, instanceType: instance.InstanceType, zone, taints: bootstrap.taints.length },
      'registered node'
    );
  }

  private async liftStartupTaints(nodes: V1Node[]): Promise<void> {
    const keys = new Set(this.settings.startupTaintKeys);
    if (keys.size === 0) return;
    for (const node of nodes) {
      const name = node.metadata?.name;
      if (!name || !node.metadata?.annotations?.[INSTANCE_ANNOTATION]) continue;
      const since = this.registeredAt.get(name);
      if (since === undefined || this.now() - since < this.settings.startupTaintRemovalMs) continue;
      const taints: V1Taint[] = node.spec?.taints ?? [];
      const kept = taints.filter((t) => !keys.has(t.key));
      if (kept.length === taints.length) continue;
      await this.core.patchNode(
        { name, body: { spec: { taints: kept } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
      );
      this.options.log.info({ node: name, removed: taints.length - kept.length }, 'startup taints removed');
    }
  }
}
