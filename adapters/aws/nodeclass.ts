/**
 * The slice of an EC2NodeClass (karpenter.k8s.aws/v1) the EC2 provider reads and writes.
 *
 * Structural on purpose: `apis/aws/ec2nodeclass.ts` (zod, owned by the APIs work) was not committed when this
 * provider was written, so the provider declares only the fields it uses; the parsed `EC2NodeClass` from `apis/` is
 * assignable to it. Field names and meanings are Karpenter's (karpenter-behaviour.md §1.3).
 */

export type AmiFamily = 'AL2' | 'AL2023' | 'Bottlerocket' | 'Custom' | 'Windows2019' | 'Windows2022' | 'Windows2025';

export interface SelectorTerm {
  tags?: Record<string, string>;
  id?: string;
  name?: string;
}

export interface AmiSelectorTerm extends SelectorTerm {
  alias?: string;
  owner?: string;
  ssmParameter?: string;
}

export interface BlockDeviceMapping {
  deviceName?: string;
  rootVolume?: boolean;
  ebs?: {
    deleteOnTermination?: boolean;
    encrypted?: boolean;
    iops?: number;
    kmsKeyID?: string;
    snapshotID?: string;
    throughput?: number;
    volumeSize?: string;
    volumeType?: string;
  };
}

export interface KubeletConfiguration {
  clusterDNS?: string[];
  maxPods?: number;
  podsPerCore?: number;
  systemReserved?: Record<string, string>;
  kubeReserved?: Record<string, string>;
  evictionHard?: Record<string, string>;
  evictionSoft?: Record<string, string>;
  evictionSoftGracePeriod?: Record<string, string>;
  evictionMaxPodGracePeriod?: number;
  imageGCHighThresholdPercent?: number;
  imageGCLowThresholdPercent?: number;
  cpuCFSQuota?: boolean;
}

export interface EC2NodeClassSpec {
  subnetSelectorTerms: SelectorTerm[];
  securityGroupSelectorTerms: SelectorTerm[];
  amiSelectorTerms: AmiSelectorTerm[];
  amiFamily?: AmiFamily;
  role?: string;
  instanceProfile?: string;
  userData?: string;
  tags?: Record<string, string>;
  kubelet?: KubeletConfiguration;
  blockDeviceMappings?: BlockDeviceMapping[];
  metadataOptions?: {
    httpEndpoint?: string;
    httpProtocolIPv6?: string;
    httpPutResponseHopLimit?: number;
    httpTokens?: string;
  };
  associatePublicIPAddress?: boolean;
  detailedMonitoring?: boolean;
}

export interface NodeClassCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface AmiRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt' | 'Gte' | 'Lte';
  values?: string[];
}

export interface ResolvedAmi {
  id: string;
  name?: string;
  requirements: AmiRequirement[];
  deprecated?: boolean;
}

export interface EC2NodeClassStatus {
  subnets?: { id: string; zone: string; zoneID?: string }[];
  securityGroups?: { id: string; name?: string }[];
  amis?: ResolvedAmi[];
  instanceProfile?: string;
  conditions?: NodeClassCondition[];
}

export interface EC2NodeClass {
  metadata: { name?: string; uid?: string; generation?: number; annotations?: Record<string, string> };
  spec: EC2NodeClassSpec;
  status?: EC2NodeClassStatus;
}

export const EC2NODECLASS_GROUP = 'karpenter.k8s.aws';
export const EC2NODECLASS_KIND = 'EC2NodeClass';

/** The AMI family an alias names (`al2023@latest` → AL2023), else the explicit `amiFamily`. */
export function amiFamilyOf(spec: EC2NodeClassSpec): AmiFamily {
  const alias = spec.amiSelectorTerms.find((term) => term.alias !== undefined)?.alias;
  if (spec.amiFamily !== undefined && (spec.amiFamily === 'Custom' || alias === undefined)) return spec.amiFamily;
  switch (alias?.split('@')[0]) {
    case 'al2':
      return 'AL2';
    case 'al2023':
      return 'AL2023';
    case 'bottlerocket':
      return 'Bottlerocket';
    case 'windows2019':
      return 'Windows2019';
    case 'windows2022':
      return 'Windows2022';
    case 'windows2025':
      return 'Windows2025';
    default:
      return spec.amiFamily ?? 'Custom';
  }
}

/** True when the class's root `Ready` condition is True (Karpenter launches only then). */
export function isNodeClassReady(nodeClass: EC2NodeClass): boolean {
  return nodeClass.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}
