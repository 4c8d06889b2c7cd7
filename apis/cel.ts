import type { z } from 'zod';

/**
 * One validation rule written twice, side by side: as CEL for the apiserver (`x-kubernetes-validations` in the
 * generated CRD) and as a TypeScript predicate for the runtime parser. Keeping both in one literal is how the two
 * verdicts stay the same; the integration test applies the same invalid manifests to both.
 */
export interface CelRule<T> {
  /** CEL evaluated with `self` bound to the value (Kubernetes CRD validation rules). */
  readonly rule: string;
  /** Message returned by both the apiserver and the runtime parser. */
  readonly message: string;
  /** The runtime twin of `rule`: true when the value is valid. */
  readonly check: (self: T) => boolean;
}

/** A transition rule (uses `oldSelf`): only the apiserver can evaluate it, on update. */
export interface TransitionRule {
  readonly rule: string;
  readonly message: string;
}

type Meta = Record<string, unknown>;

function metaOf(schema: z.ZodType): Meta {
  return (schema.meta() as Meta | undefined) ?? {};
}

/** Adds metadata to a schema, merging with what is already registered (zod's `.meta()` replaces). */
export function withMeta<S extends z.ZodType>(schema: S, meta: Meta): S {
  return schema.meta({ ...metaOf(schema), ...meta } as Parameters<S['meta']>[0]) as S;
}

/** Describes a field; the text lands in the CRD's OpenAPI schema. */
export function describe<S extends z.ZodType>(schema: S, description: string): S {
  return withMeta(schema, { description });
}

function addValidations<S extends z.ZodType>(schema: S, rules: readonly { rule: string; message: string }[]): S {
  const existing =
    (metaOf(schema)['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? [];
  const added = rules.map(({ rule, message }) => ({ message, rule }));
  return withMeta(schema, { 'x-kubernetes-validations': [...existing, ...added] });
}

/** Attaches CEL rules to the CRD schema and their predicates to the runtime parser. */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly CelRule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (!rule.check(value)) ctx.addIssue({ code: 'custom', message: rule.message, input: value });
    }
  }) as S;
  return addValidations(withMeta(refined, metaOf(schema)), rules);
}

/** Attaches transition rules (immutability and the like); the runtime parser has no old object to compare with. */
export function withTransitionRules<S extends z.ZodType>(schema: S, rules: readonly TransitionRule[]): S {
  return addValidations(schema, rules);
}

/** CEL string literal. */
export function celString(value: string): string {
  return JSON.stringify(value);
}

/** CEL list literal of strings. */
export function celList(values: Iterable<string>): string {
  return `[${[...values].map(celString).join(', ')}]`;
}

/** `maxProperties` for a map, in the CRD and in the runtime parser (CEL cost estimates need bounded maps). */
export function withMaxProperties<S extends z.ZodType<Record<string, unknown>>>(schema: S, max: number): S {
  const refined = schema.refine((map) => Object.keys(map).length <= max, {
    message: `must have at most ${max} entries`,
  }) as unknown as S;
  return withMeta(refined, { maxProperties: max });
}
