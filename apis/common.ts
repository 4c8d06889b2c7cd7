import { z } from 'zod';

import { OPERATORS } from '../core/requirements/index.js';
import { Quantity } from '../core/resources/index.js';
import type { CelRule } from './cel.js';
import { celList, celString, describe, withMeta, withRules } from './cel.js';
import {
  AWS_GROUP,
  AWS_WELL_KNOWN_LABELS,
  CORE_WELL_KNOWN_LABELS,
  GROUP,
  LABEL_HOSTNAME,
  LABEL_NODEPOOL,
  NORMALIZED_LABELS,
} from './labels.js';

// Patterns shared with Karpenter's CRDs. Where Karpenter's regex has a precedence slip (`^(a)|(Never)$`) we anchor
// both alternatives, which is what the field documentation says.
export const LABEL_KEY_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(\/))?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
export const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const DURATION_OR_NEVER_PATTERN = /^(([0-9]+(s|m|h))+|Never)$/;
export const DURATION_PATTERN = /^([0-9]+(s|m|h))+$/;
export const BUDGET_DURATION_PATTERN = /^((([0-9]+(h|m))|([0-9]+h[0-9]+m))(0s)?)$/;
export const BUDGET_NODES_PATTERN = /^((100|[0-9]{1,2})%|[0-9]+)$/;
// RE2's \s is [\t\n\f\r ]; spelling it out keeps JavaScript (whose \s is wider) to the same verdict.
export const CRON_PATTERN =
  /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|(.+)[\t\n\f\r ](.+)[\t\n\f\r ](.+)[\t\n\f\r ](.+)[\t\n\f\r ](.+))$/;
// Exactly what core/resources' Quantity.parse accepts (Karpenter's pattern also lets `1e1.5` through, which
// apimachinery then fails to parse).
export const QUANTITY_PATTERN =
  /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?[0-9]+))?$/;
export const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
export const CONDITION_TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;

const INT32_MAX = 2 ** 31 - 1;
export const int32 = () =>
  withMeta(
    z
      .int()
      .min(-(2 ** 31))
      .max(INT32_MAX),
    { format: 'int32' }
  );
export const int64 = () => withMeta(z.int(), { format: 'int64' });

/** A resource quantity: a string in quantity syntax or an integer (`x-kubernetes-int-or-string`). */
export const quantitySchema = withMeta(
  z.union([z.int(), z.string().regex(QUANTITY_PATTERN, { message: 'must be a resource quantity, e.g. 100m or 2Gi' })]),
  { 'x-kubernetes-int-or-string': true, pattern: QUANTITY_PATTERN.source }
).refine((value) => Quantity.isValid(value), { message: 'must be a resource quantity, e.g. 100m or 2Gi' });

export const resourceListSchema = z.record(z.string(), quantitySchema);

interface LabelRule {
  readonly message: string;
  /** CEL over the label key bound to `key`. */
  readonly cel: (key: string) => string;
  /** The same test in TypeScript. */
  readonly allows: (key: string) => boolean;
}

/** The part of a key before the first `/`, as CEL's `key.find("^([^/]+)")` returns it. */
const domainOf = (key: string): string => key.split('/')[0] ?? '';
const celDomain = (key: string): string => `${key}.find("^([^/]+)")`;

const KUBERNETES_ALLOWED = [
  ...Object.keys(NORMALIZED_LABELS),
  ...[...CORE_WELL_KNOWN_LABELS].filter((label) => domainOf(label).endsWith('kubernetes.io')),
];
const KARPENTER_ALLOWED = [...CORE_WELL_KNOWN_LABELS].filter((label) => domainOf(label).endsWith(GROUP));
const AWS_ALLOWED = [...AWS_WELL_KNOWN_LABELS].filter((label) => domainOf(label).endsWith(AWS_GROUP));

/**
 * Karpenter's restricted-label rules, one per domain, each as CEL and as a predicate. `restrictedLabelReason` in
 * labels.ts states the same policy as one function; a unit test checks the two agree on every verdict.
 */
export const RESTRICTED_LABEL_RULES: readonly LabelRule[] = [
  {
    message: 'label domain "kubernetes.io" is restricted',
    cel: (k) =>
      `${k} in ${celList(KUBERNETES_ALLOWED)} || ${celDomain(k)}.endsWith("node.kubernetes.io") || ${celDomain(k)}.endsWith("node-restriction.kubernetes.io") || !${celDomain(k)}.endsWith("kubernetes.io")`,
    allows: (k) =>
      KUBERNETES_ALLOWED.includes(k) ||
      domainOf(k).endsWith('node.kubernetes.io') ||
      domainOf(k).endsWith('node-restriction.kubernetes.io') ||
      !domainOf(k).endsWith('kubernetes.io'),
  },
  {
    message: 'label domain "k8s.io" is restricted',
    cel: (k) => `${celDomain(k)}.endsWith("kops.k8s.io") || !${celDomain(k)}.endsWith("k8s.io")`,
    allows: (k) => domainOf(k).endsWith('kops.k8s.io') || !domainOf(k).endsWith('k8s.io'),
  },
  {
    message: `label domain "${GROUP}" is restricted`,
    cel: (k) => `${k} in ${celList(KARPENTER_ALLOWED)} || !${celDomain(k)}.endsWith(${celString(GROUP)})`,
    allows: (k) => KARPENTER_ALLOWED.includes(k) || !domainOf(k).endsWith(GROUP),
  },
  {
    message: `label "${LABEL_NODEPOOL}" is restricted`,
    cel: (k) => `${k} != ${celString(LABEL_NODEPOOL)}`,
    allows: (k) => k !== LABEL_NODEPOOL,
  },
  {
    message: `label "${LABEL_HOSTNAME}" is restricted`,
    cel: (k) => `${k} != ${celString(LABEL_HOSTNAME)}`,
    allows: (k) => k !== LABEL_HOSTNAME,
  },
  {
    message: `label domain "${AWS_GROUP}" is restricted`,
    cel: (k) => `${k} in ${celList(AWS_ALLOWED)} || !${celDomain(k)}.endsWith(${celString(AWS_GROUP)})`,
    allows: (k) => AWS_ALLOWED.includes(k) || !domainOf(k).endsWith(AWS_GROUP),
  },
];

/** The restricted-label rules as CEL rules on a single key (`self`). */
function keyRules(rules: readonly LabelRule[]): CelRule<string>[] {
  return rules.map(({ message, cel, allows }) => ({ message, rule: cel('self'), check: allows }));
}

const labelKeyString = () => z.string().max(316).regex(LABEL_KEY_PATTERN, { message: 'must be a qualified label key' });

/** A label key a NodePool may use in requirements (restricted domains rejected, as Karpenter does). */
export const requirementKeySchema = withRules(labelKeyString(), keyRules(RESTRICTED_LABEL_RULES));

/**
 * A NodeClaim requirement key: the same rules except `karpenter.sh/nodepool`, which Karpenter itself adds to every
 * NodeClaim it creates from a NodePool.
 */
export const nodeClaimRequirementKeySchema = withRules(
  labelKeyString(),
  keyRules(RESTRICTED_LABEL_RULES.filter((rule) => rule.message !== `label "${LABEL_NODEPOOL}" is restricted`))
);

/** Template labels: values are label values, keys must not be restricted. */
export const templateLabelsSchema = withMeta(
  withRules(
    z.record(z.string(), z.string().max(63).regex(LABEL_VALUE_PATTERN, { message: 'must be a valid label value' })),
    RESTRICTED_LABEL_RULES.map(({ message, cel, allows }): CelRule<Record<string, string>> => ({
      message,
      rule: `self.all(x, ${cel('x')})`,
      check: (labels) => Object.keys(labels).every(allows),
    }))
  ).refine((labels) => Object.keys(labels).length <= 100, { message: 'must have at most 100 labels' }),
  { maxProperties: 100 }
);

export const operatorSchema = z.enum(OPERATORS);

/** NodeSelectorRequirementWithMinValues, with the given rules on its key. */
function nodeSelectorRequirementSchemaFor(keySchema: z.ZodType<string>) {
  return z.strictObject({
    key: describe(keySchema, 'The label key that the selector applies to.'),
    operator: describe(operatorSchema, "Represents a key's relationship to a set of values."),
    values: describe(
      z.array(z.string().max(63).regex(LABEL_VALUE_PATTERN, { message: 'must be a valid label value' })),
      'In and NotIn take values; Gt, Lt, Gte and Lte take exactly one non-negative integer; Exists and DoesNotExist none.'
    )
      .meta({ 'x-kubernetes-list-type': 'atomic' })
      .optional(),
    minValues: describe(
      z.int().min(1).max(50),
      'The least number of distinct values that must remain available for this key (flexibility floor).'
    ).optional(),
  });
}

export const nodeSelectorRequirementSchema = nodeSelectorRequirementSchemaFor(requirementKeySchema);
export type NodeSelectorRequirementWithMinValues = z.output<typeof nodeSelectorRequirementSchema>;

const COMPARISON = ['Gt', 'Lt', 'Gte', 'Lte'];
const NON_NEGATIVE_INTEGER = /^[0-9]+$/;

/** The list-level rules Karpenter puts on `requirements`. */
function requirementsSchemaFor(keySchema: z.ZodType<string>) {
  return withRules(z.array(nodeSelectorRequirementSchemaFor(keySchema)).max(100), [
    {
      message: "requirements with operator 'In' must have a value defined",
      rule: "self.all(x, x.operator == 'In' ? has(x.values) && x.values.size() != 0 : true)",
      check: (list) => list.every((x) => x.operator !== 'In' || (x.values?.length ?? 0) !== 0),
    },
    {
      message: "requirements operator 'Gt', 'Lt', 'Gte' or 'Lte' must have a single non-negative integer value",
      rule: `self.all(x, x.operator in ${celList(COMPARISON)} ? (has(x.values) && x.values.size() == 1 && x.values[0].matches('^[0-9]+$')) : true)`,
      check: (list) =>
        list.every(
          (x) =>
            !COMPARISON.includes(x.operator) ||
            (x.values?.length === 1 && NON_NEGATIVE_INTEGER.test(x.values[0] as string))
        ),
    },
    {
      message: "requirements with 'minValues' must have at least that many values specified in the 'values' field",
      rule: "self.all(x, (x.operator == 'In' && has(x.minValues)) ? (has(x.values) && x.values.size() >= x.minValues) : true)",
      check: (list) =>
        list.every((x) => x.operator !== 'In' || x.minValues === undefined || (x.values?.length ?? 0) >= x.minValues),
    },
  ]);
}

/** NodePool requirements: every restricted label rejected. */
export const requirementsSchema = requirementsSchemaFor(requirementKeySchema);
/** NodeClaim requirements: `karpenter.sh/nodepool` allowed (Karpenter sets it). */
export const nodeClaimRequirementsSchema = requirementsSchemaFor(nodeClaimRequirementKeySchema);

const TAINT_KEY_PATTERN = LABEL_KEY_PATTERN;
export const taintSchema = z.strictObject({
  key: describe(
    z.string().min(1).regex(TAINT_KEY_PATTERN, { message: 'must be a qualified key' }),
    'Required. The taint key to be applied to a node.'
  ),
  value: describe(
    z.string().regex(TAINT_KEY_PATTERN, { message: 'must be a valid taint value' }),
    'The taint value corresponding to the taint key.'
  ).optional(),
  effect: describe(
    z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']),
    'Required. The effect of the taint on pods that do not tolerate the taint.'
  ),
  timeAdded: withMeta(z.iso.datetime({ offset: true }), { format: 'date-time' }).optional(),
});
export type Taint = z.output<typeof taintSchema>;

export const nonEmpty = (field: string): CelRule<string> => ({
  message: `${field} may not be empty`,
  rule: "self != ''",
  check: (value) => value !== '',
});

export const nodeClassReferenceSchema = z.strictObject({
  group: describe(
    withRules(z.string().regex(/^[^/]*$/, { message: 'may not contain /' }), [nonEmpty('group')]),
    'API group of the referent.'
  ),
  kind: describe(withRules(z.string(), [nonEmpty('kind')]), 'Kind of the referent.'),
  name: describe(withRules(z.string(), [nonEmpty('name')]), 'Name of the referent.'),
});
export type NodeClassReference = z.output<typeof nodeClassReferenceSchema>;

/** metav1.Condition as used by Karpenter's status conditions. */
export const conditionSchema = z.strictObject({
  type: z.string().max(316).regex(CONDITION_TYPE_PATTERN),
  status: z.enum(['True', 'False', 'Unknown']),
  observedGeneration: int64().min(0).optional(),
  lastTransitionTime: withMeta(z.iso.datetime({ offset: true }), { format: 'date-time' }),
  reason: z.string().min(1).max(1024).regex(CONDITION_REASON_PATTERN),
  message: z.string().max(32768),
});
export type Condition = z.output<typeof conditionSchema>;

/**
 * Object metadata: every ObjectMeta field, unknown ones rejected as the apiserver's strict field validation does.
 * The apiserver owns deeper metadata validation (name syntax, owner references); the CRD leaves it `type: object`.
 */
export const objectMetaSchema = z.strictObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  selfLink: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().optional(),
  deletionGracePeriodSeconds: z.int().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  ownerReferences: z.array(z.looseObject({})).optional(),
  finalizers: z.array(z.string()).optional(),
  managedFields: z.array(z.looseObject({})).optional(),
});
export type ObjectMeta = z.output<typeof objectMetaSchema>;
