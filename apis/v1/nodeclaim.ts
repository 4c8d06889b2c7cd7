import { z } from 'zod';

import { withTransitionRules, describe, withMeta } from '../cel.js';
import {
  conditionSchema,
  DURATION_OR_NEVER_PATTERN,
  DURATION_PATTERN,
  nodeClassReferenceSchema,
  objectMetaSchema,
  nodeClaimRequirementsSchema,
  resourceListSchema,
  taintSchema,
} from '../common.js';

export const NODECLAIM_API_VERSION = 'karpenter.sh/v1';
export const NODECLAIM_KIND = 'NodeClaim';

/** Default lifetime of a node before Karpenter replaces it (30 days). */
export const DEFAULT_EXPIRE_AFTER = '720h';

export const expireAfterSchema = describe(
  z.string().regex(DURATION_OR_NEVER_PATTERN, { message: "must be a duration such as '720h' or 'Never'" }),
  'How long a node may live, measured from its creation, before Karpenter deletes it; Never disables expiry.'
).default(DEFAULT_EXPIRE_AFTER);

export const terminationGracePeriodSchema = describe(
  z.string().regex(DURATION_PATTERN, { message: "must be a duration such as '48h'" }),
  'The longest a node may drain: past it, pods are deleted regardless of PDBs and do-not-disrupt. Unset: wait forever.'
);

/** The part of a NodeClaim spec a NodePool templates (everything but resource requests). */
export const nodeClaimTemplateSpecFields = {
  taints: describe(z.array(taintSchema), "Taints put on the NodeClaim's node.").optional(),
  startupTaints: describe(
    z.array(taintSchema),
    'Taints put on the node at startup and expected to be removed by a DaemonSet; pods need not tolerate them.'
  ).optional(),
  requirements: describe(
    nodeClaimRequirementsSchema,
    'Requirements are layered with labels and applied to every node.'
  ),
  nodeClassRef: describe(nodeClassReferenceSchema, 'Reference to the provider-specific node class.'),
  terminationGracePeriod: terminationGracePeriodSchema.optional(),
  expireAfter: expireAfterSchema,
};

export const nodeClaimSpecSchema = withTransitionRules(
  z.strictObject({
    ...nodeClaimTemplateSpecFields,
    resources: describe(
      z.strictObject({ requests: resourceListSchema.optional() }),
      'Resources the scheduler packed onto this NodeClaim (pod and daemon requests).'
    ).optional(),
  }),
  [{ message: 'spec is immutable', rule: 'self == oldSelf' }]
);
export type NodeClaimSpec = z.output<typeof nodeClaimSpecSchema>;

export const nodeClaimStatusSchema = z.strictObject({
  nodeName: describe(z.string(), 'Name of the Node this NodeClaim became.').optional(),
  providerID: describe(z.string(), 'Cloud provider ID of the instance.').optional(),
  imageID: describe(z.string(), 'Image the instance was launched from.').optional(),
  capacity: describe(resourceListSchema, "The provider's estimate of the node's capacity.").optional(),
  allocatable: describe(resourceListSchema, "The provider's estimate of the node's allocatable resources.").optional(),
  lastPodEventTime: describe(
    withMeta(z.iso.datetime({ offset: true }), { format: 'date-time' }),
    'Last pod bind, removal or terminal transition on the node; drives consolidateAfter.'
  ).optional(),
  conditions: z.array(conditionSchema).optional(),
});
export type NodeClaimStatus = z.output<typeof nodeClaimStatusSchema>;

export const nodeClaimSchema = z.strictObject({
  apiVersion: z.literal(NODECLAIM_API_VERSION),
  kind: z.literal(NODECLAIM_KIND),
  metadata: objectMetaSchema,
  spec: nodeClaimSpecSchema,
  status: nodeClaimStatusSchema.optional(),
});
export type NodeClaim = z.output<typeof nodeClaimSchema>;
/** The shape a user writes (defaults not yet applied). */
export type NodeClaimInput = z.input<typeof nodeClaimSchema>;

/** NodeClaim condition types (Karpenter's `nodeclaim_status.go`). */
export const NODECLAIM_CONDITIONS = {
  Launched: 'Launched',
  Registered: 'Registered',
  Initialized: 'Initialized',
  Ready: 'Ready',
  Consolidatable: 'Consolidatable',
  Drifted: 'Drifted',
  DisruptionReason: 'DisruptionReason',
  Drained: 'Drained',
  VolumesDetached: 'VolumesDetached',
  InstanceTerminating: 'InstanceTerminating',
  ConsistentStateFound: 'ConsistentStateFound',
} as const;
export type NodeClaimConditionType = (typeof NODECLAIM_CONDITIONS)[keyof typeof NODECLAIM_CONDITIONS];
