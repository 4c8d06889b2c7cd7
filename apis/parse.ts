import type { z } from 'zod';

import { ec2NodeClassSchema } from './aws/ec2nodeclass.js';
import type { EC2NodeClass } from './aws/ec2nodeclass.js';
import { kwokNodeClassSchema, type KWOKNodeClass } from './kwok/kwoknodeclass.js';
import { nodeClaimSchema } from './v1/nodeclaim.js';
import type { NodeClaim } from './v1/nodeclaim.js';
import { nodePoolSchema } from './v1/nodepool.js';
import type { NodePool } from './v1/nodepool.js';

export const INVALID_OBJECT = 'InvalidObject';

/** One problem, with the field path written the way the apiserver writes it (`spec.template.spec.requirements[0].key`). */
export interface FieldIssue {
  readonly field: string;
  readonly message: string;
}

/** A manifest that does not satisfy the schema; `message` lists every issue with its field path. */
export class InvalidObjectError extends Error {
  readonly type = INVALID_OBJECT;
  constructor(
    readonly kind: string,
    readonly issues: readonly FieldIssue[]
  ) {
    super(`invalid ${kind}: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`);
    this.name = 'InvalidObjectError';
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `['spec', 'budgets', 0, 'nodes']` → `spec.budgets[0].nodes`; map keys that are not identifiers go in brackets. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (IDENTIFIER.test(String(segment))) text += text === '' ? String(segment) : `.${String(segment)}`;
    else text += `[${String(segment)}]`;
  }
  return text === '' ? '<root>' : text;
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  const issues = error.issues.flatMap((issue): FieldIssue[] => {
    // Unknown fields are reported against the object; name each one, as the apiserver's strict decoding does.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: formatFieldPath([...issue.path, key]),
        message: `unknown field "${formatFieldPath([...issue.path, key])}"`,
      }));
    }
    return [{ field: formatFieldPath(issue.path), message: issue.message }];
  });
  // A union reports the same problem once per failed branch; say it once.
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export type ParseResult<T> = { success: true; data: T } | { success: false; error: InvalidObjectError };

function parser<S extends z.ZodType>(kind: string, schema: S) {
  const safeParse = (input: unknown): ParseResult<z.output<S>> => {
    const result = schema.safeParse(input);
    return result.success
      ? { success: true, data: result.data }
      : { success: false, error: new InvalidObjectError(kind, issuesOf(result.error)) };
  };
  const parse = (input: unknown): z.output<S> => {
    const result = safeParse(input);
    if (!result.success) throw result.error;
    return result.data;
  };
  return { safeParse, parse };
}

const nodePool = parser('NodePool', nodePoolSchema);
const nodeClaim = parser('NodeClaim', nodeClaimSchema);
const ec2NodeClass = parser('EC2NodeClass', ec2NodeClassSchema);
const kwokNodeClass = parser('KWOKNodeClass', kwokNodeClassSchema);

/** Validates a NodePool and fills in Karpenter's defaults; throws InvalidObjectError (`InvalidObject`). */
export const parseNodePool: (input: unknown) => NodePool = nodePool.parse;
export const safeParseNodePool: (input: unknown) => ParseResult<NodePool> = nodePool.safeParse;
export const parseNodeClaim: (input: unknown) => NodeClaim = nodeClaim.parse;
export const safeParseNodeClaim: (input: unknown) => ParseResult<NodeClaim> = nodeClaim.safeParse;
export const parseEC2NodeClass: (input: unknown) => EC2NodeClass = ec2NodeClass.parse;
export const safeParseEC2NodeClass: (input: unknown) => ParseResult<EC2NodeClass> = ec2NodeClass.safeParse;
export const parseKWOKNodeClass: (input: unknown) => KWOKNodeClass = kwokNodeClass.parse;
export const safeParseKWOKNodeClass: (input: unknown) => ParseResult<KWOKNodeClass> = kwokNodeClass.safeParse;

/** Parses any of the kinds by its `kind` field. */
export function safeParseKarpenterObject(
  input: unknown
): ParseResult<NodePool | NodeClaim | EC2NodeClass | KWOKNodeClass> {
  const kind = (input as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'NodePool':
      return safeParseNodePool(input);
    case 'NodeClaim':
      return safeParseNodeClaim(input);
    case 'EC2NodeClass':
      return safeParseEC2NodeClass(input);
    case 'KWOKNodeClass':
      return safeParseKWOKNodeClass(input);
    default:
      return {
        success: false,
        error: new InvalidObjectError(String(kind), [
          {
            field: 'kind',
            message: `unsupported kind ${JSON.stringify(kind)}: expected NodePool, NodeClaim, EC2NodeClass or KWOKNodeClass`,
          },
        ]),
      };
  }
}
