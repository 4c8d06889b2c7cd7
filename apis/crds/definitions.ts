import type { z } from 'zod';

import { ec2NodeClassSpecSchema, ec2NodeClassStatusSchema } from '../aws/ec2nodeclass.js';
import { kwokNodeClassSpecSchema, kwokNodeClassStatusSchema } from '../kwok/kwoknodeclass.js';
import { nodeClaimSpecSchema, nodeClaimStatusSchema } from '../v1/nodeclaim.js';
import { nodePoolSpecSchema, nodePoolStatusSchema } from '../v1/nodepool.js';
import type { JSONSchemaProps } from './openapi.js';
import { sortKeys, toStructuralSchema } from './openapi.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  priority?: number;
}

interface CrdSource {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames?: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string };
  /** Spec may be omitted (Karpenter's KWOKNodeClass has `spec,omitempty`). */
  specOptional?: boolean;
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The CRDs: Karpenter's two, and one node class per cloud provider, with Karpenter's names, categories and printer columns. */
export const CRD_SOURCES: readonly CrdSource[] = [
  {
    group: 'karpenter.sh',
    version: 'v1',
    kind: 'NodePool',
    plural: 'nodepools',
    singular: 'nodepool',
    description: 'NodePool is the Schema for the NodePools API',
    spec: nodePoolSpecSchema,
    status: nodePoolStatusSchema,
    printerColumns: [
      { name: 'NodeClass', type: 'string', jsonPath: '.spec.template.spec.nodeClassRef.name' },
      { name: 'Nodes', type: 'string', jsonPath: '.status.nodes' },
      READY,
      AGE,
      { name: 'Weight', type: 'integer', jsonPath: '.spec.weight', priority: 1 },
      { name: 'CPU', type: 'string', jsonPath: '.status.resources.cpu', priority: 1 },
      { name: 'Memory', type: 'string', jsonPath: '.status.resources.memory', priority: 1 },
    ],
    scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.nodes' },
  },
  {
    group: 'karpenter.sh',
    version: 'v1',
    kind: 'NodeClaim',
    plural: 'nodeclaims',
    singular: 'nodeclaim',
    description: 'NodeClaim is the Schema for the NodeClaims API',
    spec: nodeClaimSpecSchema,
    status: nodeClaimStatusSchema,
    printerColumns: [
      { name: 'Type', type: 'string', jsonPath: '.metadata.labels.node\\.kubernetes\\.io/instance-type' },
      { name: 'Capacity', type: 'string', jsonPath: '.metadata.labels.karpenter\\.sh/capacity-type' },
      { name: 'Zone', type: 'string', jsonPath: '.metadata.labels.topology\\.kubernetes\\.io/zone' },
      { name: 'Node', type: 'string', jsonPath: '.status.nodeName' },
      READY,
      AGE,
      { name: 'ImageID', type: 'string', jsonPath: '.status.imageID', priority: 1 },
      { name: 'ID', type: 'string', jsonPath: '.status.providerID', priority: 1 },
      { name: 'NodePool', type: 'string', jsonPath: '.metadata.labels.karpenter\\.sh/nodepool', priority: 1 },
      { name: 'NodeClass', type: 'string', jsonPath: '.spec.nodeClassRef.name', priority: 1 },
      { name: 'Drifted', type: 'string', jsonPath: '.status.conditions[?(@.type=="Drifted")].status', priority: 1 },
    ],
  },
  {
    group: 'karpenter.k8s.aws',
    version: 'v1',
    kind: 'EC2NodeClass',
    plural: 'ec2nodeclasses',
    singular: 'ec2nodeclass',
    shortNames: ['ec2nc', 'ec2ncs'],
    description: 'EC2NodeClass is the Schema for the EC2NodeClass API',
    spec: ec2NodeClassSpecSchema,
    status: ec2NodeClassStatusSchema,
    printerColumns: [READY, AGE, { name: 'Role', type: 'string', jsonPath: '.spec.role', priority: 1 }],
  },
  {
    group: 'karpenter.kwok.sh',
    version: 'v1alpha1',
    kind: 'KWOKNodeClass',
    plural: 'kwoknodeclasses',
    singular: 'kwoknodeclass',
    shortNames: ['kwoknc', 'kwokncs'],
    description: 'KWOKNodeClass is the Schema for the KWOKNodeClass API (kwok-simulated nodes, no cloud)',
    spec: kwokNodeClassSpecSchema,
    status: kwokNodeClassStatusSchema,
    printerColumns: [READY, AGE],
    specOptional: true,
  },
];

/** The file name Karpenter uses for a CRD (`<group>_<plural>.yaml`). */
export function crdFileName(source: CrdSource): string {
  return `${source.group}_${source.plural}.yaml`;
}

/** A complete apiextensions.k8s.io/v1 CustomResourceDefinition for one source. */
export function buildCrd(source: CrdSource): JSONSchemaProps {
  const openAPIV3Schema = {
    description: source.description,
    type: 'object',
    properties: {
      apiVersion: {
        type: 'string',
        description: 'APIVersion defines the versioned schema of this representation of an object.',
      },
      kind: {
        type: 'string',
        description: 'Kind is a string value representing the REST resource this object represents.',
      },
      metadata: { type: 'object' },
      spec: toStructuralSchema(source.spec, `${source.kind}.spec`),
      status: toStructuralSchema(source.status, `${source.kind}.status`),
    },
    ...(source.specOptional ? {} : { required: ['spec'] }),
  };
  const subresources: JSONSchemaProps = { status: {} };
  if (source.scale) subresources['scale'] = source.scale;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${source.plural}.${source.group}` },
    spec: {
      group: source.group,
      names: {
        categories: ['karpenter'],
        kind: source.kind,
        listKind: `${source.kind}List`,
        plural: source.plural,
        singular: source.singular,
        ...(source.shortNames ? { shortNames: source.shortNames } : {}),
      },
      scope: 'Cluster',
      versions: [
        {
          name: source.version,
          served: true,
          storage: true,
          additionalPrinterColumns: source.printerColumns,
          schema: { openAPIV3Schema: sortKeys(openAPIV3Schema) },
          subresources,
        },
      ],
    },
  };
}
