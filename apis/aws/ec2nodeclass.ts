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

export const capacityReservationSelectorTermSchema = z.strictObject({
  tags: selectorTagsSchema.optional(),
  id: z
    .string()
    .regex(/^cr-[0-9a-z]+$/, { message: "must look like 'cr-0123abcd'" })
    .optional(),
  ownerID: z
    .string()
    .regex(/^[0-9]{12}$/, { message: 'must be a 12-digit account ID' })
    .optional(),
  instanceMatchCriteria: z.enum(['open', 'targeted']).optional(),
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
      ipPrefixCount: int32().min(0).optional(),
      context: describe(z.string(), 'CreateFleet context (reserved for AWS-managed capacity).').optional(),
      capacityReservationSelectorTerms: withRules(z.array(capacityReservationSelectorTermSchema).max(30), [
        atLeastOne(['tags', 'id']),
        exclusive('id', ['tags', 'ownerID'], 'capacityReservationSelectorTerms'),
      ]).optional(),
      placementGroupSelector: withRules(
        z.strictObject({
          name: z.string().optional(),
          id: z
            .string()
            .regex(/^pg-[0-9a-z]+$/)
            .optional(),
        }),
        [
          {
            message: "expected exactly one of ['name', 'id']",
            rule: 'has(self.name) != has(self.id)',
            check: (s) => has(s.name) !== has(s.id),
          },
        ]
      ).optional(),
      networkInterfaces: z
        .array(
          z.strictObject({
            networkCardIndex: int32().min(0),
            deviceIndex: int32().min(0),
            interfaceType: z.enum(['interface', 'efa-only']),
          })
        )
        .max(32)
        .optional(),
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
        id: z.string(),
        availabilityZone: z.string(),
        instanceType: z.string(),
        ownerID: z.string(),
        instanceMatchCriteria: z.enum(['open', 'targeted']),
        reservationType: z.enum(['default', 'capacity-block']).optional(),
        state: z.enum(['active', 'expiring']).optional(),
        endTime: withMeta(z.iso.datetime({ offset: true }), { format: 'date-time' }).optional(),
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
