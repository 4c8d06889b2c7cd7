/**
 * The pod fields `simulate` hands to the scheduling core, checked as the apiserver would before the solver reads
 * them. Without it a Pod without `spec` failed with "Cannot read properties of undefined", and `cpu: banana`,
 * `containers: 5` or `tolerations: 7` were planned as if they meant something. Only the fields the solver reads are
 * checked; the rest of a real pod manifest (probes, env, images…) passes through untouched.
 */
import { z } from 'zod';

import { clip, fieldIssues, quantitySchema, type FieldIssue } from '../apis/index.js';

const stringMap = z.record(z.string(), z.string());
const resourceList = z.record(z.string(), quantitySchema);

const selectorRequirement = z.looseObject({
  key: z.string().min(1),
  operator: z.string().min(1),
  values: z.array(z.string()).optional(),
});
const nodeSelectorTerm = z.looseObject({
  matchExpressions: z.array(selectorRequirement).optional(),
  matchFields: z.array(selectorRequirement).optional(),
});
const labelSelector = z
  .looseObject({ matchLabels: stringMap.optional(), matchExpressions: z.array(selectorRequirement).optional() })
  .nullable();
const podAffinityTerm = z.looseObject({
  labelSelector: labelSelector.optional(),
  namespaces: z.array(z.string()).optional(),
  namespaceSelector: labelSelector.optional(),
  topologyKey: z.string().min(1),
  matchLabelKeys: z.array(z.string()).optional(),
  mismatchLabelKeys: z.array(z.string()).optional(),
});
const weight = z.int().min(1).max(100);
const podAffinity = z.looseObject({
  requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
  preferredDuringSchedulingIgnoredDuringExecution: z.array(z.looseObject({ weight, podAffinityTerm })).optional(),
});

const container = z.looseObject({
  name: z.string().optional(),
  resources: z.looseObject({ requests: resourceList.optional(), limits: resourceList.optional() }).optional(),
  ports: z
    .array(
      z.looseObject({
        containerPort: z.int().optional(),
        hostPort: z.int().min(0).max(65535).optional(),
        hostIP: z.string().optional(),
        protocol: z.string().optional(),
      })
    )
    .optional(),
  restartPolicy: z.string().optional(),
});

/** A pod's spec as the solver reads it. */
export const podSpecSchema = z.looseObject({
  nodeName: z.string().optional(),
  nodeSelector: stringMap.optional(),
  affinity: z
    .looseObject({
      nodeAffinity: z
        .looseObject({
          requiredDuringSchedulingIgnoredDuringExecution: z
            .looseObject({ nodeSelectorTerms: z.array(nodeSelectorTerm) })
            .optional(),
          preferredDuringSchedulingIgnoredDuringExecution: z
            .array(z.looseObject({ weight, preference: nodeSelectorTerm }))
            .optional(),
        })
        .optional(),
      podAffinity: podAffinity.optional(),
      podAntiAffinity: podAffinity.optional(),
    })
    .optional(),
  tolerations: z
    .array(
      z.looseObject({
        key: z.string().optional(),
        operator: z.string().optional(),
        value: z.string().optional(),
        effect: z.string().optional(),
        tolerationSeconds: z.int().optional(),
      })
    )
    .optional(),
  topologySpreadConstraints: z
    .array(
      z.looseObject({
        maxSkew: z.int().min(1),
        topologyKey: z.string().min(1),
        whenUnsatisfiable: z.string().min(1),
        labelSelector: labelSelector.optional(),
        minDomains: z.int().min(1).optional(),
        nodeAffinityPolicy: z.string().optional(),
        nodeTaintsPolicy: z.string().optional(),
        matchLabelKeys: z.array(z.string()).optional(),
      })
    )
    .optional(),
  containers: z.array(container),
  initContainers: z.array(container).optional(),
  overhead: resourceList.optional(),
  volumes: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        persistentVolumeClaim: z.looseObject({ claimName: z.string().min(1) }).optional(),
      })
    )
    .optional(),
});

const podMetadata = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

/** A `kind: Pod` manifest. */
export const podSchema = z.looseObject({ metadata: podMetadata, spec: podSpecSchema });

/** A workload's pod template: the name comes from the workload, so only the spec is required. */
export const podTemplateSchema = z
  .looseObject({
    metadata: z.looseObject({ labels: stringMap.optional(), annotations: stringMap.optional() }).optional(),
    spec: podSpecSchema,
  })
  .optional();

/** A `kind: Node` manifest: the fields `simulate` reads to place pods on existing nodes. */
export const nodeSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string().min(1), labels: stringMap.optional() }),
  spec: z
    .looseObject({
      taints: z
        .array(z.looseObject({ key: z.string().min(1), value: z.string().optional(), effect: z.string().min(1) }))
        .optional(),
    })
    .optional(),
  status: z.looseObject({ allocatable: resourceList.optional(), capacity: resourceList.optional() }).optional(),
});

/** Workload counts (`replicas`, `parallelism`, `completions`): what one simulate run will expand into pods. */
export const MAX_REPLICAS = 100_000;
export const replicaCountSchema = z.int().min(0).max(MAX_REPLICAS).optional();

/** The problems of `value` against `schema`, with paths under `prefix` (e.g. `spec.template`); empty when valid. */
export function podIssues(schema: z.ZodType, value: unknown, prefix: readonly PropertyKey[] = []): FieldIssue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  const issues = fieldIssues(
    new z.ZodError(result.error.issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] })))
  );
  return issues.map((issue) => ({ field: issue.field, message: clip(issue.message, 300) }));
}
