import { z } from 'zod';

import { describe, withRules, withTransitionRules } from '../cel.js';
import {
  BUDGET_DURATION_PATTERN,
  BUDGET_NODES_PATTERN,
  conditionSchema,
  CRON_PATTERN,
  DURATION_OR_NEVER_PATTERN,
  int64,
  objectMetaSchema,
  requirementsSchema,
  resourceListSchema,
  templateLabelsSchema,
} from '../common.js';
import { nodeClaimTemplateSpecFields } from './nodeclaim.js';

export const NODEPOOL_API_VERSION = 'karpenter.sh/v1';
export const NODEPOOL_KIND = 'NodePool';

export const CONSOLIDATION_POLICIES = ['WhenEmpty', 'WhenEmptyOrUnderutilized', 'Balanced'] as const;
export const DEFAULT_CONSOLIDATION_POLICY = 'WhenEmptyOrUnderutilized';
export const DEFAULT_CONSOLIDATE_AFTER = '0s';
export const DEFAULT_BUDGET_NODES = '10%';
export const DISRUPTION_REASONS = ['Underutilized', 'Empty', 'Drifted'] as const;

export const budgetSchema = z.strictObject({
  nodes: describe(
    z.string().regex(BUDGET_NODES_PATTERN, { message: "must be a count or a percentage such as '10%'" }),
    'The most NodeClaims of this NodePool that may be disrupting at once: a count or a percentage.'
  ).default(DEFAULT_BUDGET_NODES),
  schedule: describe(
    z.string().regex(CRON_PATTERN, { message: 'must be a cron expression or a macro such as @daily' }),
    'When the budget starts being active, in cron syntax (UTC). Requires duration.'
  ).optional(),
  duration: describe(
    z.string().regex(BUDGET_DURATION_PATTERN, { message: "must be a duration in hours and minutes such as '1h30m'" }),
    'How long the budget stays active after each schedule hit. Requires schedule.'
  ).optional(),
  reasons: describe(
    z.array(z.enum(DISRUPTION_REASONS)),
    'Disruption reasons this budget applies to; all reasons when unset.'
  ).optional(),
});
export type Budget = z.output<typeof budgetSchema>;

export const disruptionSchema = z.strictObject({
  consolidationPolicy: describe(
    z.enum(CONSOLIDATION_POLICIES),
    'Which nodes consolidation may disrupt: only empty ones, or empty and underutilized ones.'
  ).default(DEFAULT_CONSOLIDATION_POLICY),
  consolidateAfter: describe(
    z.string().regex(DURATION_OR_NEVER_PATTERN, { message: "must be a duration such as '30s' or 'Never'" }),
    'How long a node must see no pod added or removed before it may be consolidated; Never disables consolidation.'
  ).default(DEFAULT_CONSOLIDATE_AFTER),
  budgets: describe(
    withRules(z.array(budgetSchema).max(50), [
      {
        message: "'schedule' must be set with 'duration'",
        rule: 'self.all(x, has(x.schedule) == has(x.duration))',
        check: (budgets) => budgets.every((x) => (x.schedule === undefined) === (x.duration === undefined)),
      },
    ]),
    'Limits on how many nodes may be disrupted at once; the most restrictive active budget wins.'
  ).default([{ nodes: DEFAULT_BUDGET_NODES }]),
});
export type Disruption = z.output<typeof disruptionSchema>;

const nodeClassRefImmutable = [
  { message: 'nodeClassRef.group is immutable', rule: 'self.group == oldSelf.group' },
  { message: 'nodeClassRef.kind is immutable', rule: 'self.kind == oldSelf.kind' },
];

export const nodeClaimTemplateSchema = z.strictObject({
  metadata: z
    .strictObject({
      labels: describe(templateLabelsSchema, 'Labels put on every NodeClaim and Node of this NodePool.').optional(),
      annotations: describe(
        z.record(z.string(), z.string()),
        'Annotations put on every NodeClaim and Node of this NodePool.'
      ).optional(),
    })
    .optional(),
  spec: z.strictObject({
    ...nodeClaimTemplateSpecFields,
    requirements: describe(requirementsSchema, 'Requirements are layered with labels and applied to every node.'),
    nodeClassRef: withTransitionRules(nodeClaimTemplateSpecFields.nodeClassRef, nodeClassRefImmutable),
  }),
});

export const nodePoolSpecSchema = withTransitionRules(
  withRules(
    z.strictObject({
      template: describe(nodeClaimTemplateSchema, 'The template of the NodeClaims this NodePool launches.'),
      disruption: describe(disruptionSchema, "Parameters of Karpenter's disruption logic.").default({
        consolidationPolicy: DEFAULT_CONSOLIDATION_POLICY,
        consolidateAfter: DEFAULT_CONSOLIDATE_AFTER,
        budgets: [{ nodes: DEFAULT_BUDGET_NODES }],
      }),
      limits: describe(resourceListSchema, 'Upper bounds on the capacity this NodePool may provision.').optional(),
      weight: describe(
        z.int().min(1).max(100).meta({ format: 'int32' }),
        'Priority among NodePools: higher is tried first; unset counts as 0.'
      ).optional(),
      replicas: describe(
        int64().min(0),
        'Static NodePool (alpha): keep exactly this many nodes whatever the pods.'
      ).optional(),
    }),
    [
      {
        message: "'weight' is not supported on static NodePools",
        rule: '!has(self.replicas) || !has(self.weight)',
        check: (spec) => spec.replicas === undefined || spec.weight === undefined,
      },
      {
        message: "only 'limits.nodes' is supported on static NodePools",
        rule: "!has(self.replicas) || !has(self.limits) || self.limits.all(k, k == 'nodes')",
        check: (spec) => spec.replicas === undefined || Object.keys(spec.limits ?? {}).every((k) => k === 'nodes'),
      },
    ]
  ),
  [
    {
      message: 'cannot change a NodePool between static and dynamic',
      rule: 'has(self.replicas) == has(oldSelf.replicas)',
    },
  ]
);
export type NodePoolSpec = z.output<typeof nodePoolSpecSchema>;

export const nodePoolStatusSchema = z.strictObject({
  resources: describe(resourceListSchema, 'Sum of the capacity of the nodes this NodePool launched.').optional(),
  nodes: describe(int64().min(0), 'Number of nodes this NodePool launched.').optional(),
  nodeClassObservedGeneration: int64().optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type NodePoolStatus = z.output<typeof nodePoolStatusSchema>;

export const nodePoolSchema = z.strictObject({
  apiVersion: z.literal(NODEPOOL_API_VERSION),
  kind: z.literal(NODEPOOL_KIND),
  metadata: objectMetaSchema,
  spec: nodePoolSpecSchema,
  status: nodePoolStatusSchema.optional(),
});
export type NodePool = z.output<typeof nodePoolSchema>;
export type NodePoolInput = z.input<typeof nodePoolSchema>;

/** NodePool condition types. */
export const NODEPOOL_CONDITIONS = {
  ValidationSucceeded: 'ValidationSucceeded',
  NodeClassReady: 'NodeClassReady',
  NodeRegistrationHealthy: 'NodeRegistrationHealthy',
  Ready: 'Ready',
} as const;
