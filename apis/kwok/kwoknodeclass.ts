import { z } from 'zod';

import { describe, withRules } from '../cel.js';
import { conditionSchema, DURATION_PATTERN, int64, objectMetaSchema, QUANTITY_PATTERN } from '../common.js';

/**
 * `karpenter.kwok.sh/v1alpha1` KWOKNodeClass, the node class of Karpenter's kwok provider (core `kwok/apis/v1alpha1`):
 * nodes that are kwok-simulated Node objects, no cloud behind them. Used by `adapters/kwok/`.
 */
export const KWOKNODECLASS_GROUP = 'karpenter.kwok.sh';
export const KWOKNODECLASS_API_VERSION = `${KWOKNODECLASS_GROUP}/v1alpha1`;
export const KWOKNODECLASS_KIND = 'KWOKNodeClass';

const RESERVED_RESOURCE_KEYS = ['cpu', 'memory', 'ephemeral-storage', 'pid'] as const;

export const kwokNodeClassSpecSchema = z.strictObject({
  maxPods: describe(
    int64().min(0),
    'Overrides the maximum number of pods of every instance type launched with this class.'
  ).optional(),
  nodeRegistrationDelay: describe(
    z.string().regex(DURATION_PATTERN, { message: "must be a duration such as '30s'" }),
    'Delay before a launched node registers, modelling instance start-up time. Accepted for compatibility; not yet honoured.'
  ).optional(),
  reservedResources: describe(
    withRules(z.record(z.string(), z.string().regex(QUANTITY_PATTERN, { message: 'must be a quantity' })), [
      {
        message: "valid keys for reservedResources are ['cpu','memory','ephemeral-storage','pid']",
        rule: "self.all(x, x=='cpu' || x=='memory' || x=='ephemeral-storage' || x=='pid')",
        check: (value) => Object.keys(value).every((k) => (RESERVED_RESOURCE_KEYS as readonly string[]).includes(k)),
      },
      {
        message: 'reservedResources value cannot be a negative resource quantity',
        rule: "self.all(x, !self[x].startsWith('-'))",
        check: (value) => Object.values(value).every((v) => !v.startsWith('-')),
      },
    ]),
    "Subtracted from capacity to give allocatable; default 100m CPU and 10Mi memory (Karpenter's kwok provider)."
  ).optional(),
});
export type KWOKNodeClassSpec = z.output<typeof kwokNodeClassSpecSchema>;

export const kwokNodeClassStatusSchema = z.strictObject({
  conditions: z.array(conditionSchema).optional(),
});
export type KWOKNodeClassStatus = z.output<typeof kwokNodeClassStatusSchema>;

export const kwokNodeClassSchema = z.strictObject({
  apiVersion: z.literal(KWOKNODECLASS_API_VERSION),
  kind: z.literal(KWOKNODECLASS_KIND),
  metadata: objectMetaSchema,
  spec: kwokNodeClassSpecSchema.default({}),
  status: kwokNodeClassStatusSchema.optional(),
});
export type KWOKNodeClass = z.output<typeof kwokNodeClassSchema>;
