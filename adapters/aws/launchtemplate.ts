/**
 * Launch templates (Karpenter `pkg/providers/launchtemplate`): one per distinct content, named
 * `karpenter.k8s.aws/<hash of the content>`, so the same node class, AMI, user data and instance profile always reuse
 * the same template and any change produces a new one. Creation is idempotent: look up by name, create, and on a
 * name collision (another worker won the race) look up again. Templates this cluster created and nobody launched
 * from for a TTL are deleted; an instant fleet copies the template at launch, so running instances never need it.
 */
import {
  CreateLaunchTemplateCommand,
  DeleteLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import type { Clock } from './clock.js';
import { AwsApiError, call, isAlreadyExists, isNotFound } from './errors.js';
import type { AmiFamily, BlockDeviceMapping, EC2NodeClassSpec } from './nodeclass.js';
import { TAG, clusterTagKey, toEc2Tags, type Tags } from './tags.js';

export const LAUNCH_TEMPLATE_NAME_PREFIX = 'karpenter.k8s.aws/';
/** Karpenter keeps launch templates in a cache and deletes them when evicted; we use the same idea with a TTL. */
export const LAUNCH_TEMPLATE_UNUSED_TTL_MS = 60 * 60 * 1000;

export interface LaunchTemplateInput {
  clusterName: string;
  nodeClassName: string;
  amiFamily: AmiFamily;
  imageId: string;
  /** Plain text; base64-encoded here. */
  userData: string;
  instanceProfile?: string;
  securityGroupIds: string[];
  spec: Pick<
    EC2NodeClassSpec,
    'blockDeviceMappings' | 'metadataOptions' | 'detailedMonitoring' | 'associatePublicIPAddress'
  >;
  tags: Tags;
}

/** Default block devices per family (karpenter-behaviour.md §1.3): AL2023 20Gi gp3 root; Bottlerocket 4Gi OS + 20Gi data. */
export function defaultBlockDeviceMappings(family: AmiFamily): BlockDeviceMapping[] {
  const gp3 = (size: string) => ({ volumeSize: size, volumeType: 'gp3', encrypted: true, deleteOnTermination: true });
  if (family === 'Bottlerocket') {
    return [
      { deviceName: '/dev/xvda', ebs: gp3('4Gi') },
      { deviceName: '/dev/xvdb', ebs: gp3('20Gi'), rootVolume: true },
    ];
  }
  if (family.startsWith('Windows')) return [{ deviceName: '/dev/sda1', ebs: gp3('50Gi'), rootVolume: true }];
  return [{ deviceName: '/dev/xvda', ebs: gp3('20Gi'), rootVolume: true }];
}

/** `20Gi` → 20 (GiB, as EC2 wants); `1T`-style decimal sizes are rounded up to whole GiB. */
export function volumeSizeGiB(size: string): number {
  const match = /^(\d+)(Gi|G|Ti|T)$/.exec(size);
  if (!match) throw new Error(`unsupported volume size ${size}`);
  const n = Number(match[1]);
  switch (match[2]) {
    case 'Gi':
      return n;
    case 'Ti':
      return n * 1024;
    case 'G':
      return Math.ceil((n * 1e9) / 2 ** 30);
    default:
      return Math.ceil((n * 1e12) / 2 ** 30);
  }
}

/** The template's data, deterministic for equal input (keys sorted where order carries no meaning). */
export function launchTemplateData(input: LaunchTemplateInput): RequestLaunchTemplateData {
  const metadata = input.spec.metadataOptions ?? {};
  const mappings = input.spec.blockDeviceMappings ?? defaultBlockDeviceMappings(input.amiFamily);
  const tagged = toEc2Tags(input.tags);
  return {
    ImageId: input.imageId,
    UserData: Buffer.from(input.userData, 'utf8').toString('base64'),
    ...(input.instanceProfile !== undefined ? { IamInstanceProfile: { Name: input.instanceProfile } } : {}),
    ...(input.spec.associatePublicIPAddress !== undefined
      ? {
          NetworkInterfaces: [
            {
              DeviceIndex: 0,
              AssociatePublicIpAddress: input.spec.associatePublicIPAddress,
              Groups: [...input.securityGroupIds].sort(),
            },
          ],
        }
      : { SecurityGroupIds: [...input.securityGroupIds].sort() }),
    MetadataOptions: {
      HttpEndpoint: (metadata.httpEndpoint ?? 'enabled') as 'enabled',
      HttpProtocolIpv6: (metadata.httpProtocolIPv6 ?? 'disabled') as 'disabled',
      HttpPutResponseHopLimit: metadata.httpPutResponseHopLimit ?? 1,
      HttpTokens: (metadata.httpTokens ?? 'required') as 'required',
    },
    Monitoring: { Enabled: input.spec.detailedMonitoring ?? false },
    BlockDeviceMappings: mappings.map((m) => ({
      ...(m.deviceName !== undefined ? { DeviceName: m.deviceName } : {}),
      ...(m.ebs !== undefined
        ? {
            Ebs: {
              ...(m.ebs.volumeSize !== undefined ? { VolumeSize: volumeSizeGiB(m.ebs.volumeSize) } : {}),
              ...(m.ebs.volumeType !== undefined ? { VolumeType: m.ebs.volumeType as 'gp3' } : {}),
              ...(m.ebs.iops !== undefined ? { Iops: m.ebs.iops } : {}),
              ...(m.ebs.throughput !== undefined ? { Throughput: m.ebs.throughput } : {}),
              ...(m.ebs.encrypted !== undefined ? { Encrypted: m.ebs.encrypted } : {}),
              ...(m.ebs.kmsKeyID !== undefined ? { KmsKeyId: m.ebs.kmsKeyID } : {}),
              ...(m.ebs.snapshotID !== undefined ? { SnapshotId: m.ebs.snapshotID } : {}),
              ...(m.ebs.deleteOnTermination !== undefined ? { DeleteOnTermination: m.ebs.deleteOnTermination } : {}),
            },
          }
        : {}),
    })),
    TagSpecifications: [
      { ResourceType: 'volume', Tags: tagged },
      { ResourceType: 'network-interface', Tags: tagged },
    ],
  };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `karpenter.k8s.aws/<hash>`: the hash covers the cluster and the whole template content. */
export function launchTemplateName(clusterName: string, data: RequestLaunchTemplateData): string {
  const hash = createHash('sha256').update(canonicalJson({ clusterName, data })).digest('hex').slice(0, 32);
  return `${LAUNCH_TEMPLATE_NAME_PREFIX}${hash}`;
}

export interface ResolvedLaunchTemplate {
  name: string;
  id: string;
}

export class LaunchTemplateProvider {
  /** name → id and when it was last handed out for a launch. */
  private readonly known = new Map<string, { id: string; lastUsed: number }>();
  private readonly creating = new Map<string, Promise<ResolvedLaunchTemplate>>();
  /** Set once `hydrate` has listed the cluster's templates: a name not known since then is most likely new. */
  private hydrated = false;

  constructor(
    private readonly ec2: EC2Client,
    private readonly clusterName: string,
    private readonly clock: Clock
  ) {}

  /** The template for this content, created if missing. Safe to call concurrently and repeatedly. */
  async ensure(input: LaunchTemplateInput): Promise<ResolvedLaunchTemplate> {
    const data = launchTemplateData(input);
    const name = launchTemplateName(this.clusterName, data);
    const now = this.clock.now();
    const cached = this.known.get(name);
    if (cached !== undefined) {
      cached.lastUsed = now;
      return { name, id: cached.id };
    }
    // Launches that need the same new template at once (a round's NodeClaims) share one look-up and create.
    const running = this.creating.get(name);
    if (running !== undefined) return running;
    const promise = this.findOrCreate(input, data, name, now).finally(() => this.creating.delete(name));
    this.creating.set(name, promise);
    return promise;
  }

  private async findOrCreate(
    input: LaunchTemplateInput,
    data: RequestLaunchTemplateData,
    name: string,
    now: number
  ): Promise<ResolvedLaunchTemplate> {
    // After hydration an unknown name is a new template: create it straight away (one call, not look-up + create);
    // "already exists" (another worker made it meanwhile) falls back to the look-up.
    let id = this.hydrated ? undefined : await this.findByName(name);
    if (id === undefined) {
      try {
        const out = await call('ec2:CreateLaunchTemplate', () =>
          this.ec2.send(
            new CreateLaunchTemplateCommand({
              LaunchTemplateName: name,
              LaunchTemplateData: data,
              TagSpecifications: [
                {
                  ResourceType: 'launch-template',
                  Tags: toEc2Tags({
                    ...input.tags,
                    [TAG.cluster]: this.clusterName,
                    [TAG.nodeClass]: input.nodeClassName,
                    [clusterTagKey(this.clusterName)]: 'owned',
                  }),
                },
              ],
            })
          )
        );
        id = out.LaunchTemplate?.LaunchTemplateId;
      } catch (error) {
        if (!(error instanceof AwsApiError) || !isAlreadyExists(error)) throw error;
        id = await this.findByName(name);
      }
    }
    if (id === undefined)
      throw new AwsApiError(`launch template ${name} has no id`, 'ec2:CreateLaunchTemplate', 'Unknown', true);
    this.known.set(name, { id, lastUsed: now });
    return { name, id };
  }

  private async findByName(name: string): Promise<string | undefined> {
    try {
      const out = await call('ec2:DescribeLaunchTemplates', () =>
        this.ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }))
      );
      return out.LaunchTemplates?.[0]?.LaunchTemplateId;
    } catch (error) {
      if (error instanceof AwsApiError && isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Learns every template of this cluster in one listing (Karpenter hydrates its cache at start the same way), so
   * that the first launches after a start do not look each template up. Returns how many it knows.
   */
  async hydrate(): Promise<number> {
    for (const template of await this.listOwned()) {
      // Unused-template collection counts these from their creation, as before a restart.
      if (!this.known.has(template.name))
        this.known.set(template.name, { id: template.id, lastUsed: template.createTime });
    }
    this.hydrated = true;
    return this.known.size;
  }

  /** Forgets a template (e.g. launching with it answered "not found" because someone deleted it). */
  invalidate(name: string): void {
    this.known.delete(name);
  }

  /** This cluster's templates, all pages (moto truncates to MaxResults without a token, so ask for 200). */
  async listOwned(nodeClassName?: string): Promise<{ name: string; id: string; createTime: number }[]> {
    const out: { name: string; id: string; createTime: number }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await call('ec2:DescribeLaunchTemplates', () =>
        this.ec2.send(
          new DescribeLaunchTemplatesCommand({
            Filters: [
              { Name: `tag:${TAG.cluster}`, Values: [this.clusterName] },
              ...(nodeClassName !== undefined ? [{ Name: `tag:${TAG.nodeClass}`, Values: [nodeClassName] }] : []),
            ],
            MaxResults: 200,
            ...(NextToken !== undefined ? { NextToken } : {}),
          })
        )
      );
      for (const t of page.LaunchTemplates ?? []) {
        if (t.LaunchTemplateName && t.LaunchTemplateId) {
          out.push({ name: t.LaunchTemplateName, id: t.LaunchTemplateId, createTime: t.CreateTime?.getTime() ?? 0 });
        }
      }
      NextToken = page.NextToken || undefined;
    } while (NextToken);
    return out;
  }

  /**
   * Deletes this cluster's templates not used for a launch within `ttlMs` (by this process; templates from before
   * a restart count from their creation time). Returns the deleted names. Not-found is success.
   */
  async deleteUnused(ttlMs = LAUNCH_TEMPLATE_UNUSED_TTL_MS): Promise<string[]> {
    const now = this.clock.now();
    const deleted: string[] = [];
    for (const template of await this.listOwned()) {
      const lastUsed = this.known.get(template.name)?.lastUsed ?? template.createTime;
      if (now - lastUsed < ttlMs) continue;
      await this.delete(template);
      deleted.push(template.name);
    }
    return deleted;
  }

  /** Deletes every template of a node class (its finalizer runs this when the EC2NodeClass is deleted). */
  async deleteForNodeClass(nodeClassName: string): Promise<string[]> {
    const templates = await this.listOwned(nodeClassName);
    for (const template of templates) await this.delete(template);
    return templates.map((t) => t.name);
  }

  private async delete(template: { name: string; id: string }): Promise<void> {
    try {
      await call('ec2:DeleteLaunchTemplate', () =>
        this.ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: template.id }))
      );
    } catch (error) {
      if (!(error instanceof AwsApiError && isNotFound(error))) throw error;
    }
    this.known.delete(template.name);
  }
}
