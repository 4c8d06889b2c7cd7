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

/**
 * Bounds on what an error repeats back: a manifest with a megabyte-long key or ten thousand unknown fields must give
 * a message a person can read, not one the size of the input.
 */
export const MAX_ISSUES = 20;
const MAX_FIELD = 200;
const MAX_MESSAGE = 300;

/** `text` cut to `max` characters, keeping both ends (a field path's leaf is the part that matters). */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.floor((max - 1) / 2);
  return `${text.slice(0, keep)}…${text.slice(text.length - keep)}`;
}

/** A manifest that does not satisfy the schema; `message` lists the first MAX_ISSUES issues with their field paths. */
export class InvalidObjectError extends Error {
  readonly type = INVALID_OBJECT;
  /** Issues found but left out of `issues` (beyond MAX_ISSUES). */
  readonly omitted: number;
  readonly issues: readonly FieldIssue[];
  constructor(
    readonly kind: string,
    issues: readonly FieldIssue[]
  ) {
    const shown = issues.slice(0, MAX_ISSUES);
    const omitted = issues.length - shown.length;
    super(
      `invalid ${kind}: ${shown.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}${omitted > 0 ? `; and ${omitted} more` : ''}`
    );
    this.name = 'InvalidObjectError';
    this.issues = shown;
    this.omitted = omitted;
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

/**
 * Paths of own `__proto__` keys (JSON.parse and YAML both make them). Schemas copy objects key by key, and an
 * assignment to `__proto__` sets the copy's prototype instead: the key vanished silently (a `__proto__` label was
 * dropped without an error). Refused up front instead, as no Kubernetes field or label key can be named so.
 */
export function protoKeyPaths(
  value: unknown,
  path: PropertyKey[] = [],
  out: PropertyKey[][] = [],
  depth = 0
): PropertyKey[][] {
  if (typeof value !== 'object' || value === null || depth > 64 || out.length >= MAX_ISSUES) return out;
  if (Array.isArray(value)) {
    value.forEach((item, index) => protoKeyPaths(item, [...path, index], out, depth + 1));
    return out;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__') out.push([...path, key]);
    else protoKeyPaths((value as Record<string, unknown>)[key], [...path, key], out, depth + 1);
  }
  return out;
}

/** Issues from a zod error, with field paths written the apiserver's way and each bounded in length. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const issues = error.issues.flatMap((issue): FieldIssue[] => {
    // Unknown fields are reported against the object; name each one, as the apiserver's strict decoding does.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: clip(formatFieldPath([...issue.path, key]), MAX_FIELD),
        message: `unknown field "${clip(formatFieldPath([...issue.path, key]), MAX_FIELD)}"`,
      }));
    }
    return [{ field: clip(formatFieldPath(issue.path), MAX_FIELD), message: clip(issue.message, MAX_MESSAGE) }];
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
    const protoKeys = protoKeyPaths(input);
    if (protoKeys.length > 0) {
      const issues = protoKeys.map((path) => ({
        field: clip(formatFieldPath(path), MAX_FIELD),
        message: 'a field or key may not be named "__proto__"',
      }));
      return { success: false, error: new InvalidObjectError(kind, issues) };
    }
    const result = schema.safeParse(input);
    return result.success
      ? { success: true, data: result.data }
      : { success: false, error: new InvalidObjectError(kind, fieldIssues(result.error)) };
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
        // `kind` may be anything a manifest holds: never String() it (an object with a bad toString throws).
        error: new InvalidObjectError(typeof kind === 'string' ? clip(kind, MAX_FIELD) : 'object', [
          {
            field: 'kind',
            message: `unsupported kind ${clip(JSON.stringify(kind) ?? typeof kind, MAX_FIELD)}: expected NodePool, NodeClaim, EC2NodeClass or KWOKNodeClass`,
          },
        ]),
      };
  }
}
