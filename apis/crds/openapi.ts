import { z } from 'zod';

/** A node of a Kubernetes structural OpenAPI v3 schema (the subset CRDs accept). */
export type JSONSchemaProps = { [key: string]: unknown };

const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;
// Keys JSON Schema emits that a structural schema must not carry.
const DROPPED_KEYS = new Set(['$schema', '$id', 'id', 'propertyNames']);
const FORBIDDEN_KEYS = ['oneOf', 'allOf', 'not', '$ref', 'const', 'nullable'];

function isRecord(value: unknown): value is JSONSchemaProps {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function structural(node: JSONSchemaProps, path: string): JSONSchemaProps {
  if (node['x-kubernetes-int-or-string'] === true) {
    // Quantities: both alternatives typed, as controller-gen writes them; the pattern applies to the string form.
    const result: JSONSchemaProps = {
      anyOf: [{ type: 'integer' }, { type: 'string' }],
      'x-kubernetes-int-or-string': true,
    };
    for (const key of ['description', 'pattern', 'x-kubernetes-validations']) if (key in node) result[key] = node[key];
    return result;
  }
  for (const key of FORBIDDEN_KEYS) {
    if (key in node) throw new Error(`${path}: '${key}' cannot be expressed in a structural CRD schema`);
  }
  if ('anyOf' in node) throw new Error(`${path}: unions other than int-or-string are not structural`);
  const result: JSONSchemaProps = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYS.has(key)) continue;
    if (key === 'additionalProperties' && value === false) continue; // unknown fields are pruned or strict-rejected
    if (
      node['type'] === 'integer' &&
      (key === 'minimum' || key === 'maximum') &&
      Math.abs(value as number) === SAFE_INTEGER_BOUND
    ) {
      continue; // zod's safe-integer range, not a constraint of the API
    }
    if (key === 'pattern' && node['format'] === 'date-time') continue; // zod's ISO regex uses look-arounds RE2 lacks
    if (key === 'properties' && isRecord(value)) {
      result[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, structural(child as JSONSchemaProps, `${path}.${name}`)])
      );
    } else if ((key === 'items' || key === 'additionalProperties') && isRecord(value)) {
      result[key] = structural(value, `${path}[]`);
    } else {
      result[key] = value;
    }
  }
  if (!('type' in result)) throw new Error(`${path}: every node of a structural schema needs a type`);
  return result;
}

/** Recursively sorts object keys so generated YAML is stable and diffs stay small (controller-gen does the same). */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])])
  );
}

/**
 * The structural OpenAPI v3 schema of a zod schema, as the *input* shape (fields with defaults are optional and
 * carry `default`). CEL rules, descriptions and extensions come from `.meta()` (see `apis/cel.ts`).
 */
export function toStructuralSchema(schema: z.ZodType, path = '<root>'): JSONSchemaProps {
  const jsonSchema = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io: 'input',
    reused: 'inline',
    unrepresentable: 'throw',
  }) as JSONSchemaProps;
  return structural(jsonSchema, path);
}
