/**
 * `karpenter-temporal convert`: a Karpenter v1alpha5 Provisioner (with its inline AWS `provider` block) and the
 * `karpenter` settings ConfigMap become a v1 NodePool and EC2NodeClass.
 *
 * Every leaf field of the input is accounted for in the report: mapped (with where it went), a controller setting
 * (v1 moved it to Helm values / environment), or unsupported (with why). Anything this converter does not know is
 * reported as unsupported rather than dropped. v1alpha5 behaviour that v1 defaults differently (no expiry, no
 * consolidation, the on-demand/amd64 defaulting webhook, AL2) is written out explicitly so the meaning is kept.
 */
import { writeFileSync } from 'node:fs';

import { parse as parseYaml, stringify } from 'yaml';

import {
  AWS_GROUP,
  EC2NODECLASS_API_VERSION,
  EC2NODECLASS_KIND,
  LABEL_ARCH,
  LABEL_CAPACITY_TYPE,
  NODEPOOL_API_VERSION,
  NODEPOOL_KIND,
  normalizeLabelKey,
  parseEC2NodeClass,
  parseNodePool,
  RESTRICTED_LABEL_RULES,
  clip,
  InvalidObjectError,
} from '../apis/index.js';
import { defineCommand, InputError, type Command, type CommandSpec } from './command.js';
import { describeDocument, parseManifestDocuments } from './manifest-documents.js';
import { FILENAME_FLAG, manifestPaths, RECURSIVE_FLAG, readManifestSources } from './manifest-sources.js';

export const CONVERSION_FAILED = 'ConversionFailed';

/**
 * A manifest value as text. Not String(): the input is unvalidated YAML, and an object whose `toString` is not a
 * function (`{toString: 1}`) makes String() throw a TypeError instead of a conversion error naming the field.
 */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

/** The input cannot be converted at all (not a Provisioner, unreadable settings...). */
export class ConversionError extends Error {
  readonly type = CONVERSION_FAILED;
  constructor(message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

export type Outcome =
  | { readonly kind: 'mapped'; readonly from: string; readonly to: string; readonly note?: string }
  | { readonly kind: 'setting'; readonly from: string; readonly to: string; readonly value: unknown }
  | { readonly kind: 'unsupported'; readonly from: string; readonly reason: string };

export interface ConversionResult {
  readonly nodePool: Record<string, unknown>;
  readonly ec2NodeClass: Record<string, unknown>;
  /** One entry per input field (or group of fields), in input order. */
  readonly report: readonly Outcome[];
  /** v1alpha5 behaviour written out explicitly because v1 would default it differently. */
  readonly notes: readonly string[];
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Paths of every leaf (scalar, empty object or list) under `value`, dotted, lists indexed. */
export function leafPaths(value: unknown, prefix: string): string[] {
  if (Array.isArray(value)) {
    return value.length === 0 ? [prefix] : value.flatMap((item, index) => leafPaths(item, `${prefix}[${index}]`));
  }
  if (isRecord(value)) {
    const keys = Object.keys(value);
    return keys.length === 0 ? [prefix] : keys.flatMap((key) => leafPaths(value[key], `${prefix}.${key}`));
  }
  return [prefix];
}

/** Whether `outcome` covers the leaf at `path` (the same path or an ancestor). */
function covers(outcome: Outcome, path: string): boolean {
  return path === outcome.from || path.startsWith(`${outcome.from}.`) || path.startsWith(`${outcome.from}[`);
}

const KUBELET_FIELDS = [
  'clusterDNS',
  'maxPods',
  'podsPerCore',
  'systemReserved',
  'kubeReserved',
  'evictionHard',
  'evictionSoft',
  'evictionSoftGracePeriod',
  'evictionMaxPodGracePeriod',
  'imageGCHighThresholdPercent',
  'imageGCLowThresholdPercent',
  'cpuCFSQuota',
];

const AMI_ALIAS_BY_FAMILY: Record<string, string> = {
  AL2: 'al2@latest',
  AL2023: 'al2023@latest',
  Bottlerocket: 'bottlerocket@latest',
  Windows2019: 'windows2019@latest',
  Windows2022: 'windows2022@latest',
};

/** v1 settings (Helm `settings.*`) that the karpenter ConfigMap's AWS keys became. */
const SETTINGS: Record<string, string> = {
  clusterName: 'Helm settings.clusterName (env CLUSTER_NAME)',
  clusterEndpoint: 'Helm settings.clusterEndpoint (env CLUSTER_ENDPOINT)',
  region: 'env AWS_REGION of the controller',
  interruptionQueueName: 'Helm settings.interruptionQueue (env INTERRUPTION_QUEUE)',
  vmMemoryOverheadPercent: 'Helm settings.vmMemoryOverheadPercent (env VM_MEMORY_OVERHEAD_PERCENT)',
  isolatedVPC: 'Helm settings.isolatedVPC (env ISOLATED_VPC)',
  reservedENIs: 'Helm settings.reservedENIs (env RESERVED_ENIS)',
  batchMaxDuration: 'Helm settings.batchMaxDuration (env BATCH_MAX_DURATION)',
  batchIdleDuration: 'Helm settings.batchIdleDuration (env BATCH_IDLE_DURATION)',
  assumeRoleARN: 'Helm settings.assumeRoleARN',
  assumeRoleDuration: 'Helm settings.assumeRoleDuration',
};

const REMOVED_SETTINGS: Record<string, string> = {
  enablePodENI: 'removed in v1beta1: pod-ENI capacity is always advertised for instance types that support it',
  enableENILimitedPodDensity: 'removed in v1beta1: set kubelet.maxPods on the EC2NodeClass instead',
  nodeNameConvention: 'removed in v1beta1: nodes are always named after their private DNS name',
  'featureGates.driftEnabled': 'removed in v1: drift is always on',
};

/** The karpenter settings ConfigMap as flat AWS settings: `data.aws` (a YAML block) or `aws.<key>` entries. */
function readSettings(configMap: unknown, report: Outcome[]): { settings: Json; pathOf: (key: string) => string } {
  if (configMap === undefined) return { settings: {}, pathOf: (key) => key };
  if (!isRecord(configMap) || configMap['kind'] !== 'ConfigMap')
    throw new ConversionError('the settings document is not a ConfigMap');
  report.push({ kind: 'mapped', from: 'ConfigMap.apiVersion', to: '(input document)' });
  report.push({ kind: 'mapped', from: 'ConfigMap.kind', to: '(input document)' });
  report.push({ kind: 'mapped', from: 'ConfigMap.metadata', to: '(input document)' });
  const data = isRecord(configMap['data']) ? configMap['data'] : {};
  if (typeof data['aws'] === 'string') {
    let parsed: unknown;
    try {
      parsed = parseYaml(data['aws']);
    } catch (error) {
      throw new ConversionError(
        `ConfigMap data.aws: invalid YAML: ${clip((error as Error).message.split('\n')[0] ?? '', 200)}`
      );
    }
    if (!isRecord(parsed)) throw new ConversionError('ConfigMap data.aws is not a YAML mapping');
    return { settings: parsed, pathOf: (key) => `ConfigMap.data.aws.${key}` };
  }
  const settings: Json = {};
  const paths: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) {
    const short = key.replace(/^aws\./, '').replace(/^defaultInstanceProfile$/, 'instanceProfile');
    settings[short] = value;
    paths[short] = `ConfigMap.data.${key}`;
  }
  return { settings, pathOf: (key) => paths[key] ?? `ConfigMap.data.${key}` };
}

/** `{a: "x", aws-ids: "subnet-1,subnet-2"}` → selector terms, as v1alpha5 read selectors. */
function selectorTerms(selector: Json): Json[] {
  const terms: Json[] = [];
  const tags: Json = {};
  for (const [key, value] of Object.entries(selector)) {
    const text = asText(value);
    if (key === 'aws-ids' || key === 'aws::ids') {
      for (const id of text
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean))
        terms.push({ id });
    } else if (key === 'aws::name') {
      terms.push({ name: text });
    } else {
      tags[key] = text;
    }
  }
  if (Object.keys(tags).length > 0) terms.push({ tags });
  return terms;
}

function seconds(value: unknown, from: string): string {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConversionError(`${from} must be a non-negative integer number of seconds`);
  }
  return `${value}s`;
}

/**
 * Converts a v1alpha5 Provisioner and the optional karpenter settings ConfigMap. The outputs are validated with
 * the v1 schemas before they are returned, so whatever comes back applies.
 */
export function convertProvisioner(provisioner: unknown, configMap?: unknown): ConversionResult {
  if (
    !isRecord(provisioner) ||
    provisioner['kind'] !== 'Provisioner' ||
    !asText(provisioner['apiVersion']).startsWith('karpenter.sh/v1alpha5')
  ) {
    throw new ConversionError('expected a karpenter.sh/v1alpha5 Provisioner');
  }
  const report: Outcome[] = [];
  const notes: string[] = [];
  const mapped = (from: string, to: string, note?: string) =>
    report.push(note === undefined ? { kind: 'mapped', from, to } : { kind: 'mapped', from, to, note });
  const unsupported = (from: string, reason: string) => report.push({ kind: 'unsupported', from, reason });

  const metadata = isRecord(provisioner['metadata']) ? provisioner['metadata'] : {};
  const name = asText(metadata['name'] ?? 'default');
  const spec = isRecord(provisioner['spec']) ? provisioner['spec'] : {};
  mapped('Provisioner.apiVersion', 'NodePool.apiVersion', NODEPOOL_API_VERSION);
  mapped('Provisioner.kind', 'NodePool.kind');
  mapped('Provisioner.metadata.name', 'NodePool.metadata.name, EC2NodeClass.metadata.name');
  for (const key of Object.keys(metadata).filter((key) => key !== 'name')) {
    if (key === 'labels' || key === 'annotations') mapped(`Provisioner.metadata.${key}`, `NodePool.metadata.${key}`);
    else unsupported(`Provisioner.metadata.${key}`, 'server-populated metadata; not carried to a new object');
  }

  const { settings, pathOf } = readSettings(configMap, report);
  const nodePoolMetadata: Json = { name };
  for (const key of ['labels', 'annotations']) if (isRecord(metadata[key])) nodePoolMetadata[key] = metadata[key];

  const template: Json = {};
  const templateSpec: Json = {
    nodeClassRef: { group: AWS_GROUP, kind: EC2NODECLASS_KIND, name },
  };
  const nodePoolSpec: Json = { template: { spec: templateSpec } };
  const nodeClassSpec: Json = {};

  // Template metadata, taints.
  const templateMetadata: Json = {};
  for (const key of ['labels', 'annotations'] as const) {
    if (spec[key] === undefined) continue;
    templateMetadata[key] = spec[key];
    mapped(`Provisioner.spec.${key}`, `NodePool.spec.template.metadata.${key}`);
  }
  if (Object.keys(templateMetadata).length > 0) template['metadata'] = templateMetadata;
  for (const key of ['taints', 'startupTaints'] as const) {
    if (spec[key] === undefined) continue;
    templateSpec[key] = spec[key];
    mapped(`Provisioner.spec.${key}`, `NodePool.spec.template.spec.${key}`);
  }

  // Requirements: aliases normalised; restricted keys cannot be carried over.
  const requirements: Json[] = [];
  const inputRequirements = Array.isArray(spec['requirements']) ? spec['requirements'] : [];
  inputRequirements.forEach((raw: unknown, index) => {
    const from = `Provisioner.spec.requirements[${index}]`;
    if (!isRecord(raw)) return unsupported(from, 'not a node selector requirement');
    const key = normalizeLabelKey(asText(raw['key']));
    const restriction = RESTRICTED_LABEL_RULES.find((rule) => !rule.allows(key));
    if (restriction !== undefined) return unsupported(from, `${restriction.message} in v1 NodePool requirements`);
    requirements.push({ ...raw, key });
    mapped(
      from,
      `NodePool.spec.template.spec.requirements[${requirements.length - 1}]`,
      key === raw['key'] ? undefined : `key normalised to ${key}`
    );
  });
  // v1alpha5's defaulting webhook added these when absent; v1 does not, so keep the old meaning explicitly.
  const keys = new Set(requirements.map((requirement) => requirement['key']));
  if (!keys.has(LABEL_CAPACITY_TYPE)) {
    requirements.push({ key: LABEL_CAPACITY_TYPE, operator: 'In', values: ['on-demand'] });
    notes.push(`added ${LABEL_CAPACITY_TYPE} In [on-demand]: v1alpha5 defaulted it`);
  }
  if (!keys.has(LABEL_ARCH)) {
    requirements.push({ key: LABEL_ARCH, operator: 'In', values: ['amd64'] });
    notes.push(`added ${LABEL_ARCH} In [amd64]: v1alpha5 defaulted it`);
  }
  templateSpec['requirements'] = requirements;

  // Lifetimes and consolidation.
  if (spec['ttlSecondsUntilExpired'] !== undefined) {
    templateSpec['expireAfter'] = seconds(spec['ttlSecondsUntilExpired'], 'ttlSecondsUntilExpired');
    mapped('Provisioner.spec.ttlSecondsUntilExpired', 'NodePool.spec.template.spec.expireAfter');
  } else {
    templateSpec['expireAfter'] = 'Never';
    notes.push(
      'expireAfter: Never because v1alpha5 nodes never expired without ttlSecondsUntilExpired (v1 defaults to 720h)'
    );
  }
  const consolidation = isRecord(spec['consolidation']) ? spec['consolidation'] : undefined;
  if (spec['ttlSecondsAfterEmpty'] !== undefined && consolidation?.['enabled'] === true) {
    throw new ConversionError('ttlSecondsAfterEmpty and consolidation.enabled are mutually exclusive in v1alpha5');
  }
  if (spec['ttlSecondsAfterEmpty'] !== undefined) {
    nodePoolSpec['disruption'] = {
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: seconds(spec['ttlSecondsAfterEmpty'], 'ttlSecondsAfterEmpty'),
    };
    mapped(
      'Provisioner.spec.ttlSecondsAfterEmpty',
      'NodePool.spec.disruption.consolidateAfter',
      'with consolidationPolicy WhenEmpty'
    );
    if (consolidation !== undefined) {
      mapped('Provisioner.spec.consolidation.enabled', 'NodePool.spec.disruption.consolidationPolicy', 'WhenEmpty');
    }
  } else if (consolidation?.['enabled'] === true) {
    nodePoolSpec['disruption'] = { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '0s' };
    mapped(
      'Provisioner.spec.consolidation.enabled',
      'NodePool.spec.disruption.consolidationPolicy',
      'WhenEmptyOrUnderutilized'
    );
  } else {
    nodePoolSpec['disruption'] = { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: 'Never' };
    notes.push(
      'consolidateAfter: Never because v1alpha5 removed no nodes without ttlSecondsAfterEmpty or consolidation (v1 consolidates after 0s)'
    );
    if (consolidation !== undefined)
      mapped('Provisioner.spec.consolidation.enabled', 'NodePool.spec.disruption.consolidateAfter', 'Never');
  }

  if (isRecord(spec['limits'])) {
    const limits = spec['limits'];
    if (isRecord(limits['resources'])) {
      nodePoolSpec['limits'] = limits['resources'];
      mapped('Provisioner.spec.limits.resources', 'NodePool.spec.limits');
    }
    for (const key of Object.keys(limits).filter((key) => key !== 'resources')) {
      unsupported(`Provisioner.spec.limits.${key}`, 'v1 limits are a plain resource list');
    }
  }
  if (spec['weight'] !== undefined) {
    nodePoolSpec['weight'] = spec['weight'];
    mapped('Provisioner.spec.weight', 'NodePool.spec.weight');
  }

  // kubeletConfiguration moved to the EC2NodeClass in v1.
  if (isRecord(spec['kubeletConfiguration'])) {
    const kubelet: Json = {};
    for (const [key, value] of Object.entries(spec['kubeletConfiguration'])) {
      const from = `Provisioner.spec.kubeletConfiguration.${key}`;
      if (KUBELET_FIELDS.includes(key)) {
        kubelet[key] = value;
        mapped(from, `EC2NodeClass.spec.kubelet.${key}`);
      } else if (key === 'containerRuntime') {
        unsupported(from, 'removed in v1beta1: containerd is the only runtime');
      } else {
        unsupported(from, 'not a kubelet setting Karpenter v1 interprets');
      }
    }
    if (Object.keys(kubelet).length > 0) nodeClassSpec['kubelet'] = kubelet;
  }

  if (spec['providerRef'] !== undefined && spec['provider'] === undefined) {
    // The EC2NodeClass would come from the referenced AWSNodeTemplate, which is not among the inputs.
    throw new ConversionError(
      'the Provisioner references an AWSNodeTemplate (spec.providerRef); converting AWSNodeTemplates is not supported yet, use an inline spec.provider'
    );
  }
  if (spec['providerRef'] !== undefined) {
    const ref = isRecord(spec['providerRef']) ? spec['providerRef'] : {};
    templateSpec['nodeClassRef'] = { group: AWS_GROUP, kind: EC2NODECLASS_KIND, name: asText(ref['name'] ?? name) };
    mapped(
      'Provisioner.spec.providerRef',
      'NodePool.spec.template.spec.nodeClassRef',
      'convert the referenced AWSNodeTemplate into an EC2NodeClass of that name'
    );
  }

  // The inline AWS provider block becomes the EC2NodeClass.
  const provider = isRecord(spec['provider']) ? spec['provider'] : {};
  for (const [key, value] of Object.entries(provider)) {
    const from = `Provisioner.spec.provider.${key}`;
    switch (key) {
      case 'apiVersion':
      case 'kind':
        mapped(from, 'EC2NodeClass.apiVersion', EC2NODECLASS_API_VERSION);
        break;
      case 'instanceProfile':
      case 'userData':
      case 'detailedMonitoring':
      case 'context':
      case 'instanceStorePolicy':
      case 'associatePublicIPAddress':
      case 'metadataOptions':
      case 'blockDeviceMappings':
        nodeClassSpec[key] = value;
        mapped(from, `EC2NodeClass.spec.${key}`);
        break;
      case 'tags':
        nodeClassSpec['tags'] = { ...(nodeClassSpec['tags'] as Json | undefined), ...(value as Json) };
        mapped(from, 'EC2NodeClass.spec.tags');
        break;
      case 'amiFamily':
        nodeClassSpec['amiFamily'] = value;
        mapped(from, 'EC2NodeClass.spec.amiFamily');
        break;
      case 'subnetSelector':
        nodeClassSpec['subnetSelectorTerms'] = selectorTerms(value as Json);
        mapped(from, 'EC2NodeClass.spec.subnetSelectorTerms');
        break;
      case 'securityGroupSelector':
        nodeClassSpec['securityGroupSelectorTerms'] = selectorTerms(value as Json);
        mapped(from, 'EC2NodeClass.spec.securityGroupSelectorTerms');
        break;
      case 'amiSelector': {
        const selector = { ...(value as Json) };
        const owners = selector['aws::owners'];
        delete selector['aws::owners'];
        const terms = selectorTerms(selector).map((term) =>
          owners !== undefined && !('id' in term) ? { ...term, owner: asText(owners) } : term
        );
        nodeClassSpec['amiSelectorTerms'] = terms;
        mapped(from, 'EC2NodeClass.spec.amiSelectorTerms');
        break;
      }
      case 'launchTemplate':
        unsupported(from, 'removed in v1beta1: Karpenter builds its own launch templates from the EC2NodeClass');
        break;
      default:
        unsupported(from, 'not an AWS provider field known to Karpenter v1');
    }
  }

  // AMI: v1alpha5 defaulted the family to AL2 and resolved the latest EKS-optimised AMI, which an alias expresses.
  const rawFamily = nodeClassSpec['amiFamily'] ?? 'AL2';
  // Not String(): an object whose toString is not a function throws a TypeError instead of naming the field.
  const amiFamily = asText(rawFamily);
  if (nodeClassSpec['amiSelectorTerms'] === undefined) {
    const alias = AMI_ALIAS_BY_FAMILY[amiFamily];
    if (alias === undefined)
      throw new ConversionError(`amiFamily ${clip(amiFamily, 100)} needs an amiSelector to choose AMIs`);
    nodeClassSpec['amiSelectorTerms'] = [{ alias }];
    delete nodeClassSpec['amiFamily']; // inferred from the alias
    notes.push(
      `amiSelectorTerms: [{alias: ${alias}}] for the latest EKS-optimised ${amiFamily} AMI, as v1alpha5 resolved it` +
        (amiFamily === 'AL2' && provider['amiFamily'] === undefined
          ? ' (AL2 was the v1alpha5 default; EKS publishes no AL2 AMIs from Kubernetes 1.33, consider al2023@latest)'
          : '')
    );
  } else {
    nodeClassSpec['amiFamily'] = amiFamily;
  }

  // Settings: instance profile, global tags, and the controller settings that moved out of the ConfigMap.
  for (const [key, value] of Object.entries(settings)) {
    const from = pathOf(key);
    if (key === 'instanceProfile' || key === 'defaultInstanceProfile') {
      if (nodeClassSpec['instanceProfile'] === undefined) {
        nodeClassSpec['instanceProfile'] = value;
        mapped(from, 'EC2NodeClass.spec.instanceProfile', 'the Provisioner had none, so the default applies');
      } else {
        mapped(
          from,
          'EC2NodeClass.spec.instanceProfile',
          value === nodeClassSpec['instanceProfile']
            ? 'same as the Provisioner'
            : 'the Provisioner overrides the default, as in v1alpha5'
        );
      }
    } else if (key === 'tags' && isRecord(value)) {
      nodeClassSpec['tags'] = { ...value, ...(nodeClassSpec['tags'] as Json | undefined) };
      mapped(from, 'EC2NodeClass.spec.tags', 'v1 has no global tags; merged under the provider tags');
    } else if (SETTINGS[key] !== undefined) {
      report.push({ kind: 'setting', from, to: SETTINGS[key], value });
    } else if (REMOVED_SETTINGS[key] !== undefined) {
      unsupported(from, REMOVED_SETTINGS[key]);
    } else {
      unsupported(from, 'not a setting known to Karpenter v1');
    }
  }

  // spec.cluster is not a field of Karpenter's v1alpha5 Provisioner: the cluster was always a controller setting.
  if (isRecord(spec['cluster'])) {
    for (const [key, value] of Object.entries(spec['cluster'])) {
      const from = `Provisioner.spec.cluster.${key}`;
      const settingKey = key === 'name' ? 'clusterName' : key === 'endpoint' ? 'clusterEndpoint' : undefined;
      if (settingKey === undefined) {
        unsupported(from, 'not a cluster setting known to Karpenter v1');
        continue;
      }
      const fromSettings = settings[settingKey];
      if (fromSettings !== undefined && fromSettings !== value) {
        unsupported(
          from,
          `conflicts with ${pathOf(settingKey)} (${JSON.stringify(fromSettings)}); set ${SETTINGS[settingKey]} once`
        );
      } else {
        report.push({ kind: 'setting', from, to: `${SETTINGS[settingKey]}; not a NodePool field`, value });
      }
    }
  }

  if (Object.keys(templateMetadata).length > 0) nodePoolSpec['template'] = { ...template, spec: templateSpec };
  const nodePool = {
    apiVersion: NODEPOOL_API_VERSION,
    kind: NODEPOOL_KIND,
    metadata: nodePoolMetadata,
    spec: nodePoolSpec,
  };
  const ec2NodeClass = {
    apiVersion: EC2NODECLASS_API_VERSION,
    kind: EC2NODECLASS_KIND,
    metadata: { name },
    spec: nodeClassSpec,
  };

  // Anything not yet accounted for is reported, never dropped. `data.aws` is one string holding many settings,
  // each reported on its own above.
  const inputs: [string, unknown][] = [['Provisioner', provisioner]];
  if (configMap !== undefined) inputs.push(['ConfigMap', configMap]);
  for (const [root, value] of inputs) {
    for (const path of leafPaths(value, root)) {
      const accounted = report.some(
        (outcome) => covers(outcome, path) || (path === 'ConfigMap.data.aws' && outcome.from.startsWith(`${path}.`))
      );
      if (!accounted) unsupported(path, 'not a field known to this converter');
    }
  }

  for (const [kind, parse, object] of [
    ['NodePool', parseNodePool, nodePool],
    ['EC2NodeClass', parseEC2NodeClass, ec2NodeClass],
  ] as const) {
    try {
      parse(object);
    } catch (error) {
      // One line per issue, as simulate prints them: twenty issues on one line were unreadable.
      const issues =
        error instanceof InvalidObjectError
          ? [
              ...error.issues.map((issue) => `${issue.field}: ${issue.message}`),
              ...(error.omitted > 0 ? [`and ${error.omitted} more issues`] : []),
            ]
          : [(error as Error).message];
      throw new ConversionError(issues.map((issue) => `the converted ${kind} is not valid v1: ${issue}`).join('\n'));
    }
  }
  return { nodePool, ec2NodeClass, report, notes };
}

/** The report as YAML comments, so the converted file stays applyable. */
export function formatReport(report: readonly Outcome[], notes: readonly string[] = []): string {
  const lines = ['Converted by karpenter-temporal convert. Every input field:'];
  for (const outcome of report) {
    if (outcome.kind === 'mapped')
      lines.push(`  mapped       ${outcome.from} -> ${outcome.to}${outcome.note ? ` (${outcome.note})` : ''}`);
    else if (outcome.kind === 'setting')
      lines.push(`  setting      ${outcome.from} = ${JSON.stringify(outcome.value)} -> ${outcome.to}`);
    else lines.push(`  UNSUPPORTED  ${outcome.from}: ${outcome.reason}`);
  }
  if (notes.length > 0) lines.push('Kept v1alpha5 behaviour explicit:', ...notes.map((note) => `  ${note}`));
  return lines.map((line) => `# ${line}`.trimEnd()).join('\n');
}

/** The two objects as one YAML stream, EC2NodeClass first (the NodePool refers to it), preceded by the report. */
export function renderConversion(result: ConversionResult): string {
  return `${formatReport(result.report, result.notes)}\n---\n${stringify(result.ec2NodeClass).trimEnd()}\n---\n${stringify(result.nodePool).trimEnd()}\n`;
}

const SPEC: CommandSpec = {
  name: 'convert',
  synopsis: '-f FILENAME... [-o OUT.yaml]',
  description: `Turn a karpenter.sh/v1alpha5 Provisioner (with its inline AWS provider) and, optionally, the karpenter
settings ConfigMap into a v1 EC2NodeClass and NodePool. The manifests may be spread over several files or
multi-document YAML; every input field is accounted for in a report at the head of the output. Paths may also be
given without -f.`,
  examples: [
    'npm run cli -- convert -f provisioner.yaml -f karpenter-global-settings.yaml -o nodepool.yaml',
    'kubectl get provisioner default -o yaml | npm run cli -- convert -f -',
  ],
  flags: [
    FILENAME_FLAG,
    RECURSIVE_FLAG,
    { name: 'output', short: 'o', value: 'FILE', description: 'write the result to this file instead of stdout' },
  ],
};

/** The `convert` subcommand; returns the exit code. */
export const runConvert: Command = defineCommand(SPEC, async (args, io) => {
  const sources = await readManifestSources(manifestPaths(args), {
    recursive: args.enabled('recursive'),
    stdin: io.stdin,
  });
  const documents = sources.flatMap(parseManifestDocuments);
  const provisioners = documents.filter(({ object }) => object.kind === 'Provisioner');
  const configMaps = documents.filter(({ object }) => object.kind === 'ConfigMap');
  const [provisioner] = provisioners;
  if (provisioner === undefined || provisioners.length > 1 || configMaps.length > 1) {
    const found = [...provisioners, ...configMaps].map(describeDocument);
    throw new InputError(
      `expected exactly one Provisioner and at most one ConfigMap, found ${provisioners.length} and ${configMaps.length}` +
        (found.length > 0 ? ` (${found.join(', ')})` : ` in ${sources.map((source) => source.name).join(', ')}`)
    );
  }
  const [configMap] = configMaps;
  let result: ConversionResult;
  try {
    result = convertProvisioner(provisioner.object, configMap?.object);
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    const aboutSettings = /settings document|ConfigMap/.test(error.message);
    const where = aboutSettings && configMap !== undefined ? configMap : provisioner;
    throw new InputError(
      error.message
        .split('\n')
        .map((line) => `${describeDocument(where)}: ${line}`)
        .join('\n')
    );
  }
  const text = renderConversion(result);
  const out = args.value('output');
  if (out === undefined) io.stdout(text);
  else writeFileSync(out, text);
  const unsupported = result.report.filter((outcome) => outcome.kind === 'unsupported').length;
  io.stderr(`converted ${result.report.length} fields: ${unsupported} unsupported (listed in the output header)\n`);
  return 0;
});
