import { z } from 'zod';

import type { CelRule } from '../cel.js';
import { celList, describe, withMaxProperties, withMeta, withRules, withTransitionRules } from '../cel.js';
import { conditionSchema, int32, int64, objectMetaSchema, operatorSchema, QUANTITY_PATTERN } from '../common.js';

export const EC2NODECLASS_API_VERSION = 'karpenter.k8s.aws/v1';
export const EC2NODECLASS_KIND = 'EC2NodeClass';

export const AMI_FAMILIES = [
  'AL2',
  'AL2023',
  'Bottlerocket',
  'Custom',
  'Windows2019',
  'Windows2022',
  'Windows2025',
] as const;
export type AmiFamily = (typeof AMI_FAMILIES)[number];
/** Families an `alias` may name (`family@version`); Custom has no alias. */
export const AMI_ALIAS_FAMILIES = [
  'al2',
  'al2023',
  'bottlerocket',
  'windows2019',
  'windows2022',
  'windows2025',
] as const;
const WINDOWS_ALIAS_FAMILIES = ['windows2019', 'windows2022', 'windows2025'];

/** Tag keys Karpenter sets itself; users may not set them on an EC2NodeClass. */
export const RESTRICTED_TAG_KEYS = [
  'eks:eks-cluster-name',
  'karpenter.sh/nodepool',
  'karpenter.sh/nodeclaim',
  'karpenter.k8s.aws/ec2nodeclass',
] as const;
export const RESTRICTED_TAG_PREFIX = 'kubernetes.io/cluster';

const has = (value: unknown): boolean => value !== undefined;

const selectorTagsSchema = withMeta(
  withRules(z.record(z.string(), z.string()), [
    {
      message: "empty tag keys or values aren't supported",
      rule: "self.all(k, k != '' && self[k] != '')",
      check: (tags) => Object.entries(tags).every(([k, v]) => k !== '' && v !== ''),
    },
  ]).refine((tags) => Object.keys(tags).length <= 20, { message: 'must have at most 20 tags' }),
  { maxProperties: 20 }
);

function nonEmptyTerms<T>(field: string): CelRule<T[]> {
  return { message: `${field} cannot be empty`, rule: 'self.size() != 0', check: (terms) => terms.length !== 0 };
}

/** "each term names at least one of ..." and "X cannot be combined with other fields" rules for selector terms. */
function atLeastOne<T extends Record<string, unknown>>(fields: readonly string[]): CelRule<T[]> {
  return {
    message: `expected at least one, got none, [${fields.map((f) => `'${f}'`).join(', ')}]`,
    rule: `self.all(x, ${fields.map((f) => `has(x.${f})`).join(' || ')})`,
    check: (terms) => terms.every((term) => fields.some((f) => has(term[f]))),
  };
}

function exclusive<T extends Record<string, unknown>>(
  field: string,
  others: readonly string[],
  list: string
): CelRule<T[]> {
  return {
    message: `'${field}' is mutually exclusive, cannot be set with a combination of other fields in ${list}`,
    rule: `!self.exists(x, has(x.${field}) && (${others.map((f) => `has(x.${f})`).join(' || ')}))`,
    check: (terms) => !terms.some((term) => has(term[field]) && others.some((f) => has(term[f]))),
  };
}

export const subnetSelectorTermSchema = z.strictObject({
  tags: describe(selectorTagsSchema, 'Subnets with all these tags; "*" matches any value.').optional(),
  id: describe(
    z.string().regex(/^subnet-[0-9a-z]+$/, { message: "must look like 'subnet-0123abcd'" }),
    'Subnet ID.'
  ).optional(),
});

export const securityGroupSelectorTermSchema = z.strictObject({
  tags: describe(selectorTagsSchema, 'Security groups with all these tags.').optional(),
  id: describe(
    z.string().regex(/^sg-[0-9a-z]+$/, { message: "must look like 'sg-0123abcd'" }),
    'Security group ID.'
  ).optional(),
  name: describe(z.string(), 'Security group name.').optional(),
});

const ALIAS_FORMAT = /^[a-zA-Z0-9]+@.+$/;
const aliasFamily = (alias: string): string => alias.split('@')[0] ?? '';
const aliasVersion = (alias: string): string => alias.split('@')[1] ?? '';

export const amiAliasSchema = withRules(z.string().max(30), [
  {
    message: "'alias' is improperly formatted, must match the format 'family@version'",
    rule: "self.matches('^[a-zA-Z0-9]+@.+$')",
    check: (alias) => ALIAS_FORMAT.test(alias),
  },
  {
    message: `family is not supported, must be one of the following: ${AMI_ALIAS_FAMILIES.map((f) => `'${f}'`).join(', ')}`,
    rule: `self.split('@')[0] in ${celList(AMI_ALIAS_FAMILIES)}`,
    check: (alias) => (AMI_ALIAS_FAMILIES as readonly string[]).includes(aliasFamily(alias)),
  },
  {
    message: "windows families may only specify version 'latest'",
    rule: `self.split('@')[0] in ${celList(WINDOWS_ALIAS_FAMILIES)} ? self.split('@')[1] == 'latest' : true`,
    check: (alias) => !WINDOWS_ALIAS_FAMILIES.includes(aliasFamily(alias)) || aliasVersion(alias) === 'latest',
  },
]);

export const amiSelectorTermSchema = z.strictObject({
  alias: describe(
    amiAliasSchema,
    "An EKS-optimised AMI family and version, 'family@version' (e.g. 'al2023@latest'); must be the only term."
  ).optional(),
  tags: describe(selectorTagsSchema, 'AMIs with all these tags.').optional(),
  id: describe(z.string().regex(/^ami-[0-9a-z]+$/, { message: "must look like 'ami-0123abcd'" }), 'AMI ID.').optional(),
  name: describe(z.string(), 'AMI name (wildcards allowed).').optional(),
  owner: describe(z.string(), "AMI owner: an account ID or 'self' / 'amazon'; used with name or tags.").optional(),
  ssmParameter: describe(z.string(), 'An SSM parameter whose value is an AMI ID.').optional(),
});

const CAPACITY_RESERVATION_ID = /^cr-[0-9a-z]+$/;
const ACCOUNT_ID = /^[0-9]{12}$/;
const INSTANCE_MATCH_CRITERIA = ['open', 'targeted'] as const;

export const capacityReservationSelectorTermSchema = z.strictObject({
  tags: describe(selectorTagsSchema, 'Capacity reservations with all these tags.').optional(),
  id: describe(
    z.string().regex(CAPACITY_RESERVATION_ID, { message: "must look like 'cr-0123abcd'" }),
    'Capacity reservation ID; must be the only field of its term.'
  ).optional(),
  ownerID: describe(
    z.string().regex(ACCOUNT_ID, { message: 'must be a 12-digit account ID' }),
    'Account that owns the reservation; narrows tags or instanceMatchCriteria.'
  ).optional(),
  instanceMatchCriteria: describe(
    z.enum(INSTANCE_MATCH_CRITERIA),
    "Reservations by how they match instances: 'open' (any compatible instance) or 'targeted'."
  ).optional(),
});
type CapacityReservationTerm = z.output<typeof capacityReservationSelectorTermSchema>;

/** Karpenter's placement group selector: one group, by name or by id. */
export const placementGroupSelectorSchema = withRules(
  z.strictObject({
    name: describe(z.string().min(1), 'Placement group name.').optional(),
    id: describe(
      z.string().regex(/^pg-[0-9a-z]+$/, { message: "must look like 'pg-0123abcd'" }),
      'Placement group ID.'
    ).optional(),
  }),
  [
    {
      message: "expected at least one, got none, ['name', 'id']",
      rule: 'has(self.name) || has(self.id)',
      check: (s) => has(s.name) || has(s.id),
    },
    {
      message: "'name' and 'id' are mutually exclusive",
      rule: '!(has(self.name) && has(self.id))',
      check: (s) => !(has(s.name) && has(s.id)),
    },
  ]
);

export const networkInterfaceSchema = z.strictObject({
  networkCardIndex: describe(int32().min(0), 'Index of the network card the interface attaches to.'),
  deviceIndex: describe(int32().min(0), 'Device index of the attachment.'),
  interfaceType: describe(
    z.enum(['interface', 'efa-only']),
    "'interface' (ENA, with IP addresses) or 'efa-only' (EFA device, no IP address)."
  ),
});
type NetworkInterface = z.output<typeof networkInterfaceSchema>;
const sameSlot = (a: NetworkInterface, b: NetworkInterface): boolean =>
  a.networkCardIndex === b.networkCardIndex && a.deviceIndex === b.deviceIndex;

/** CPU options of the launch template; EC2 refuses nested virtualization together with a core/thread layout. */
export const cpuOptionsSchema = withRules(
  z.strictObject({
    coreCount: describe(int32().min(1).max(128), 'Number of CPU cores.').optional(),
    threadsPerCore: describe(int32().min(1).max(2), 'Threads per core.').optional(),
    nestedVirtualization: describe(
      z.enum(['enabled', 'disabled']),
      'Nested virtualization; when enabled, only instance types that support it are launched.'
    ).optional(),
  }),
  [
    {
      message: 'nestedVirtualization cannot be set alongside coreCount or threadsPerCore',
      rule: "!has(self.nestedVirtualization) || self.nestedVirtualization == 'disabled' || (!has(self.coreCount) && !has(self.threadsPerCore))",
      check: (o) =>
        o.nestedVirtualization === undefined ||
        o.nestedVirtualization === 'disabled' ||
        (!has(o.coreCount) && !has(o.threadsPerCore)),
    },
  ]
);

/** ENI connection tracking idle timeouts in seconds, within EC2's ranges; unset ones keep EC2's defaults. */
export const connectionTrackingSchema = z.strictObject({
  tcpEstablishedTimeout: describe(int32().min(60).max(432000), 'Idle established TCP connections.').optional(),
  udpStreamTimeout: describe(
    int32().min(60).max(180),
    'Idle UDP flows that saw more than one request-response.'
  ).optional(),
  udpTimeout: describe(int32().min(30).max(60), 'Idle one-way or single-transaction UDP flows.').optional(),
});

const VOLUME_SIZE_PATTERN =
  /^((?:[1-9][0-9]{0,3}|[1-4][0-9]{4}|[5][0-8][0-9]{3}|59000)Gi|(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|[6][0-3][0-9]{3}|64000)G|([1-9]|[1-5][0-7]|58)Ti|([1-9]|[1-5][0-9]|6[0-3]|64)T)$/;

export const blockDeviceSchema = withRules(
  z.strictObject({
    deleteOnTermination: z.boolean().optional(),
    encrypted: z.boolean().optional(),
    iops: int64().optional(),
    kmsKeyID: z.string().optional(),
    snapshotID: z.string().optional(),
    throughput: int64().optional(),
    volumeInitializationRate: int32().min(100).max(300).optional(),
    volumeSize: describe(
      z.string().regex(VOLUME_SIZE_PATTERN, { message: "must be a size such as '20Gi' (at most 64T)" }),
      'Size of the volume, e.g. 20Gi.'
    ).optional(),
    volumeType: z.enum(['standard', 'io1', 'io2', 'gp2', 'sc1', 'st1', 'gp3']).optional(),
  }),
  [
    {
      message: 'snapshotID or volumeSize must be defined',
      rule: 'has(self.snapshotID) || has(self.volumeSize)',
      check: (ebs) => has(ebs.snapshotID) || has(ebs.volumeSize),
    },
    {
      message: "'volumeInitializationRate' must be set with 'snapshotID'",
      rule: '!has(self.volumeInitializationRate) || has(self.snapshotID)',
      check: (ebs) => !has(ebs.volumeInitializationRate) || has(ebs.snapshotID),
    },
  ]
);

export const blockDeviceMappingSchema = z.strictObject({
  deviceName: describe(z.string(), 'Device name, e.g. /dev/xvda.').optional(),
  ebs: blockDeviceSchema.optional(),
  rootVolume: describe(z.boolean(), 'Whether this is the root volume (at most one).').optional(),
});

const EVICTION_SIGNALS = [
  'memory.available',
  'nodefs.available',
  'nodefs.inodesFree',
  'imagefs.available',
  'imagefs.inodesFree',
  'pid.available',
];
const EVICTION_VALUE_PATTERN = new RegExp(
  `^((\\d{1,2}(\\.\\d{1,2})?|100(\\.0{1,2})?)%|${QUANTITY_PATTERN.source.slice(1, -1)})$`
);
const RESERVED_KEYS = ['cpu', 'memory', 'ephemeral-storage', 'pid'];

// Each map can only hold the keys its rule allows, so bounding it by that many keys changes no verdict and keeps the
// CEL cost estimate within the apiserver's budget.
const evictionThresholdsSchema = withMaxProperties(
  withRules(
    z.record(
      z.string(),
      z.string().regex(EVICTION_VALUE_PATTERN, { message: "must be a percentage or a quantity, e.g. '10%' or '100Mi'" })
    ),
    [
      {
        message: `valid keys for eviction thresholds are [${EVICTION_SIGNALS.map((s) => `'${s}'`).join(',')}]`,
        rule: `self.all(x, x in ${celList(EVICTION_SIGNALS)})`,
        check: (map) => Object.keys(map).every((k) => EVICTION_SIGNALS.includes(k)),
      },
    ]
  ),
  EVICTION_SIGNALS.length
);

const reservedSchema = withMaxProperties(
  withRules(z.record(z.string(), z.string().regex(QUANTITY_PATTERN, { message: 'must be a resource quantity' })), [
    {
      message: `valid keys for reserved resources are [${RESERVED_KEYS.map((s) => `'${s}'`).join(',')}]`,
      rule: `self.all(x, x in ${celList(RESERVED_KEYS)})`,
      check: (map) => Object.keys(map).every((k) => RESERVED_KEYS.includes(k)),
    },
    {
      message: 'reserved resources cannot be negative quantities',
      rule: "self.all(x, !self[x].startsWith('-'))",
      check: (map) => Object.values(map).every((v) => !v.startsWith('-')),
    },
  ]),
  RESERVED_KEYS.length
);

/** The kubelet settings Karpenter interprets (typed struct through v1.14.1). */
export const kubeletSchema = withRules(
  z.strictObject({
    clusterDNS: z.array(z.string()).optional(),
    maxPods: int32().min(0).optional(),
    podsPerCore: int32().min(0).optional(),
    systemReserved: reservedSchema.optional(),
    kubeReserved: reservedSchema.optional(),
    evictionHard: evictionThresholdsSchema.optional(),
    evictionSoft: evictionThresholdsSchema.optional(),
    evictionSoftGracePeriod: withMaxProperties(z.record(z.string(), z.string()), EVICTION_SIGNALS.length).optional(),
    evictionMaxPodGracePeriod: int32().optional(),
    imageGCHighThresholdPercent: int32().min(0).max(100).optional(),
    imageGCLowThresholdPercent: int32().min(0).max(100).optional(),
    cpuCFSQuota: z.boolean().optional(),
  }),
  [
    {
      message: 'imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent',
      rule: 'has(self.imageGCHighThresholdPercent) && has(self.imageGCLowThresholdPercent) ? self.imageGCHighThresholdPercent > self.imageGCLowThresholdPercent : true',
      check: (k) =>
        k.imageGCHighThresholdPercent === undefined ||
        k.imageGCLowThresholdPercent === undefined ||
        k.imageGCHighThresholdPercent > k.imageGCLowThresholdPercent,
    },
    {
      message: 'evictionSoft OwnerKey does not have a matching evictionSoftGracePeriod',
      rule: 'has(self.evictionSoft) ? self.evictionSoft.all(e, has(self.evictionSoftGracePeriod) && (e in self.evictionSoftGracePeriod)) : true',
      check: (k) => Object.keys(k.evictionSoft ?? {}).every((e) => k.evictionSoftGracePeriod?.[e] !== undefined),
    },
    {
      message: 'evictionSoftGracePeriod OwnerKey does not have a matching evictionSoft',
      rule: 'has(self.evictionSoftGracePeriod) ? self.evictionSoftGracePeriod.all(e, has(self.evictionSoft) && (e in self.evictionSoft)) : true',
      check: (k) => Object.keys(k.evictionSoftGracePeriod ?? {}).every((e) => k.evictionSoft?.[e] !== undefined),
    },
  ]
);

export const DEFAULT_METADATA_OPTIONS = {
  httpEndpoint: 'enabled',
  httpProtocolIPv6: 'disabled',
  httpPutResponseHopLimit: 1,
  httpTokens: 'required',
} as const;

/** IMDS settings; the defaults (IMDSv2, hop limit 1) keep pods away from the node's credentials. */
export const metadataOptionsSchema = z.strictObject({
  httpEndpoint: z.enum(['enabled', 'disabled']).default(DEFAULT_METADATA_OPTIONS.httpEndpoint),
  httpProtocolIPv6: z.enum(['enabled', 'disabled']).default(DEFAULT_METADATA_OPTIONS.httpProtocolIPv6),
  httpPutResponseHopLimit: int64().min(1).max(64).default(DEFAULT_METADATA_OPTIONS.httpPutResponseHopLimit),
  httpTokens: z.enum(['required', 'optional']).default(DEFAULT_METADATA_OPTIONS.httpTokens),
});

const tagsSchema = withRules(z.record(z.string(), z.string()), [
  {
    message: "empty tag keys aren't supported",
    rule: "self.all(k, k != '')",
    check: (t) => Object.keys(t).every((k) => k !== ''),
  },
  ...RESTRICTED_TAG_KEYS.map((key): CelRule<Record<string, string>> => ({
    message: `tag contains a restricted tag matching ${key}`,
    rule: `self.all(k, k != '${key}')`,
    check: (t) => Object.keys(t).every((k) => k !== key),
  })),
  {
    message: `tag contains a restricted tag matching ${RESTRICTED_TAG_PREFIX}/`,
    rule: `self.all(k, !k.startsWith('${RESTRICTED_TAG_PREFIX}'))`,
    check: (t) => Object.keys(t).every((k) => !k.startsWith(RESTRICTED_TAG_PREFIX)),
  },
]);

type AmiTerm = z.output<typeof amiSelectorTermSchema>;

export const ec2NodeClassSpecSchema = withTransitionRules(
  withRules(
    z.strictObject({
      subnetSelectorTerms: describe(
        withRules(z.array(subnetSelectorTermSchema).max(30), [
          nonEmptyTerms('subnetSelectorTerms'),
          atLeastOne(['tags', 'id']),
          exclusive('id', ['tags'], 'subnetSelectorTerms'),
        ]),
        'Subnets to launch into: terms are ORed, fields within a term ANDed.'
      ),
      securityGroupSelectorTerms: describe(
        withRules(z.array(securityGroupSelectorTermSchema).max(30), [
          nonEmptyTerms('securityGroupSelectorTerms'),
          atLeastOne(['tags', 'id', 'name']),
          exclusive('id', ['tags', 'name'], 'securityGroupSelectorTerms'),
          exclusive('name', ['tags', 'id'], 'securityGroupSelectorTerms'),
        ]),
        'Security groups to attach: terms are ORed, fields within a term ANDed.'
      ),
      amiSelectorTerms: describe(
        withRules(z.array(amiSelectorTermSchema).min(1).max(30), [
          atLeastOne<AmiTerm>(['tags', 'id', 'name', 'alias', 'ssmParameter']),
          exclusive<AmiTerm>('id', ['alias', 'tags', 'name', 'owner'], 'amiSelectorTerms'),
          exclusive<AmiTerm>('alias', ['id', 'tags', 'name', 'owner'], 'amiSelectorTerms'),
          {
            message: "'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms",
            rule: '!(self.exists(x, has(x.alias)) && self.size() != 1)',
            check: (terms) => !(terms.some((t) => has(t.alias)) && terms.length !== 1),
          },
        ]),
        'AMIs to launch: an alias, or terms by tags, id, name or SSM parameter.'
      ),
      amiFamily: describe(
        z.enum(AMI_FAMILIES),
        'Decides the user-data format and default block devices; inferred from an alias, required otherwise.'
      ).optional(),
      role: describe(
        withRules(z.string(), [{ message: 'role cannot be empty', rule: "self != ''", check: (r) => r !== '' }]),
        'IAM role for the instance profile Karpenter creates; exclusive with instanceProfile.'
      ).optional(),
      instanceProfile: describe(
        withRules(z.string(), [
          { message: 'instanceProfile cannot be empty', rule: "self != ''", check: (r) => r !== '' },
        ]),
        'An existing instance profile; exclusive with role.'
      ).optional(),
      userData: describe(
        z.string(),
        "Merged with Karpenter's bootstrap user data (passed unchanged for Custom)."
      ).optional(),
      tags: describe(tagsSchema, 'Tags put on instances, volumes, network interfaces and launch templates.').optional(),
      kubelet: describe(kubeletSchema, 'Kubelet settings for the nodes of this class.').optional(),
      blockDeviceMappings: describe(
        withRules(z.array(blockDeviceMappingSchema).max(50), [
          {
            message: 'must have only one blockDeviceMappings with rootVolume',
            rule: 'self.filter(x, has(x.rootVolume) ? x.rootVolume == true : false).size() <= 1',
            check: (list) => list.filter((x) => x.rootVolume === true).length <= 1,
          },
        ]),
        'Block devices of the instances; defaults depend on the AMI family.'
      ).optional(),
      instanceStorePolicy: describe(
        z.enum(['RAID0']),
        'RAID0: local NVMe as one array for kubelet and containerd.'
      ).optional(),
      metadataOptions: describe(metadataOptionsSchema, 'Instance metadata service options.').default(
        DEFAULT_METADATA_OPTIONS
      ),
      associatePublicIPAddress: z.boolean().optional(),
      detailedMonitoring: z.boolean().optional(),
      ipPrefixCount: describe(
        int32().min(0),
        'IPv4 (or, in an IPv6 cluster, IPv6) prefixes assigned to the primary network interface.'
      ).optional(),
      context: describe(z.string(), 'CreateFleet context (reserved for AWS-managed capacity).').optional(),
      capacityReservationSelectorTerms: describe(
        withRules(z.array(capacityReservationSelectorTermSchema).max(30), [
          atLeastOne<CapacityReservationTerm>(['tags', 'id', 'instanceMatchCriteria']),
          {
            message:
              "'id' is mutually exclusive, cannot be set along with other fields in a capacity reservation selector term",
            rule: '!self.exists(x, has(x.id) && (has(x.tags) || has(x.ownerID) || has(x.instanceMatchCriteria)))',
            check: (terms) =>
              !terms.some((t) => has(t.id) && (has(t.tags) || has(t.ownerID) || has(t.instanceMatchCriteria))),
          },
        ]),
        'On-demand capacity reservations to use first: terms are ORed, fields within a term ANDed.'
      ).optional(),
      placementGroupSelector: describe(
        placementGroupSelectorSchema,
        'The placement group every instance of this class is launched into.'
      ).optional(),
      networkInterfaces: describe(
        withRules(z.array(networkInterfaceSchema).max(150), [
          {
            message: "networkInterfaces must include a primary interface with interfaceType='interface'",
            rule: "self.size() == 0 || self.exists(x, x.deviceIndex == 0 && x.networkCardIndex == 0 && x.interfaceType == 'interface')",
            check: (list) =>
              list.length === 0 ||
              list.some((x) => x.deviceIndex === 0 && x.networkCardIndex === 0 && x.interfaceType === 'interface'),
          },
          {
            message:
              'networkInterfaces must not have duplicate networkCardIndex and deviceIndex pairs, and can have at most one efa device per network card',
            rule: "self.all(x, self.filter(y, x.networkCardIndex == y.networkCardIndex && x.deviceIndex == y.deviceIndex).size() == 1 && (x.interfaceType != 'efa-only' || self.filter(y, x.networkCardIndex == y.networkCardIndex && y.interfaceType == 'efa-only').size() == 1))",
            check: (list) =>
              list.every(
                (x) =>
                  list.filter((y) => sameSlot(x, y)).length === 1 &&
                  (x.interfaceType !== 'efa-only' ||
                    list.filter((y) => x.networkCardIndex === y.networkCardIndex && y.interfaceType === 'efa-only')
                      .length === 1)
              ),
          },
        ]),
        'Network interfaces of the launch template, e.g. EFA-only interfaces next to the primary ENI.'
      ).optional(),
      cpuOptions: describe(cpuOptionsSchema, 'CPU options of the instances.').optional(),
      connectionTracking: describe(
        connectionTrackingSchema,
        "Connection tracking timeouts of the ENIs Karpenter creates (Nitro instances only); unset fields keep EC2's defaults."
      ).optional(),
    }),
    [
      {
        message: "must specify exactly one of ['role', 'instanceProfile']",
        rule: '(has(self.role) && !has(self.instanceProfile)) || (!has(self.role) && has(self.instanceProfile))',
        check: (spec) => has(spec.role) !== has(spec.instanceProfile),
      },
      {
        message: 'must specify amiFamily if amiSelectorTerms does not contain an alias',
        rule: 'self.amiSelectorTerms.exists(x, has(x.alias)) ? true : has(self.amiFamily)',
        check: (spec) => spec.amiSelectorTerms.some((t) => has(t.alias)) || has(spec.amiFamily),
      },
      {
        message: "if set, amiFamily must be 'Custom' or the family of the alias",
        rule: "!has(self.amiFamily) || self.amiFamily == 'Custom' || self.amiSelectorTerms.all(x, !has(x.alias) || x.alias.split('@')[0] == self.amiFamily.lowerAscii())",
        check: (spec) =>
          spec.amiFamily === undefined ||
          spec.amiFamily === 'Custom' ||
          spec.amiSelectorTerms.every(
            (t) => t.alias === undefined || aliasFamily(t.alias) === spec.amiFamily?.toLowerCase()
          ),
      },
    ]
  ),
  [
    {
      message:
        "changing from 'instanceProfile' to 'role' is not supported. You must delete and recreate this node class if you want to change this.",
      rule: '(has(oldSelf.role) && has(self.role)) || (has(oldSelf.instanceProfile) && has(self.instanceProfile))',
    },
  ]
);
export type EC2NodeClassSpec = z.output<typeof ec2NodeClassSpecSchema>;

/** Requirements in status describe what an AMI supports; keys are not user input, so no restricted-label rules. */
const amiRequirementSchema = z.strictObject({
  key: z.string(),
  operator: operatorSchema,
  values: z.array(z.string()).optional(),
  minValues: z.int().optional(),
});

export const ec2NodeClassStatusSchema = z.strictObject({
  subnets: z.array(z.strictObject({ id: z.string(), zone: z.string(), zoneID: z.string().optional() })).optional(),
  securityGroups: z.array(z.strictObject({ id: z.string(), name: z.string().optional() })).optional(),
  amis: z
    .array(
      z.strictObject({
        id: z.string(),
        name: z.string().optional(),
        requirements: z.array(amiRequirementSchema),
        deprecated: z.boolean().optional(),
      })
    )
    .optional(),
  capacityReservations: z
    .array(
      z.strictObject({
        availabilityZone: z.string(),
        endTime: withMeta(z.iso.datetime({ offset: true }), { format: 'date-time' }).optional(),
        id: z.string().regex(CAPACITY_RESERVATION_ID, { message: "must look like 'cr-0123abcd'" }),
        instanceMatchCriteria: z.enum(INSTANCE_MATCH_CRITERIA),
        instanceType: z.string(),
        interruptible: z.boolean().optional(),
        ownerID: z.string().regex(ACCOUNT_ID, { message: 'must be a 12-digit account ID' }),
        reservationType: z.enum(['default', 'capacity-block']).default('default'),
        state: z.enum(['active', 'expiring']).default('active'),
      })
    )
    .optional(),
  instanceProfile: z.string().optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type EC2NodeClassStatus = z.output<typeof ec2NodeClassStatusSchema>;

export const ec2NodeClassSchema = z.strictObject({
  apiVersion: z.literal(EC2NODECLASS_API_VERSION),
  kind: z.literal(EC2NODECLASS_KIND),
  metadata: objectMetaSchema,
  spec: ec2NodeClassSpecSchema,
  status: ec2NodeClassStatusSchema.optional(),
});
export type EC2NodeClass = z.output<typeof ec2NodeClassSchema>;
export type EC2NodeClassInput = z.input<typeof ec2NodeClassSchema>;

/** EC2NodeClass condition types. */
export const EC2NODECLASS_CONDITIONS = {
  AMIsReady: 'AMIsReady',
  SubnetsReady: 'SubnetsReady',
  SecurityGroupsReady: 'SecurityGroupsReady',
  InstanceProfileReady: 'InstanceProfileReady',
  ValidationSucceeded: 'ValidationSucceeded',
  PlacementGroupReady: 'PlacementGroupReady',
  CapacityReservationsReady: 'CapacityReservationsReady',
  Ready: 'Ready',
} as const;
