/**
 * Structural mutation of valid objects: the bad inputs that are *almost* right (one field of the wrong type, a key
 * removed, an unknown or `__proto__` key added, a list emptied or wrapped), which purely random JSON rarely reaches.
 */
import fc from 'fast-check';

type Json = unknown;
type Path = (string | number)[];

/** Keys that break naive object handling: prototype keys, empty, odd characters. */
export const nastyKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'spec', 'metadata'),
  fc.string({ maxLength: 12 })
);

/** `{"__proto__": {...}}` as JSON.parse and YAML make it: an *own* key, not a prototype. */
export const protoObject = fc
  .jsonValue({ maxDepth: 2 })
  .map((inner) => JSON.parse(`{"__proto__": ${JSON.stringify(inner) ?? 'null'}, "polluted": true}`) as Json);

const HUGE_STRING = 'x'.repeat(1_000_000);
const LONG_LIST: readonly string[] = Array.from({ length: 2_000 }, (_, i) => `item-${i}`);

/** Values that are wrong almost everywhere: other types, extremes, huge strings, deep nesting. */
export const junk: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, undefined, true, false, 0, -1, 1e308, -0, NaN, Infinity, '', ' ', '0', 'true', [], {}),
  fc.string({ minLength: 1_100, maxLength: 1_500 }),
  // Constants, not generated: a megabyte string or a long list would make every shrink step copy it.
  fc.constant(HUGE_STRING),
  fc.constant(LONG_LIST),
  fc.nat({ max: 300 }).map((depth) => {
    let value: Json = 'deep';
    for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { d: value };
    return value;
  }),
  protoObject
);

export type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'add'; at: number; key: string; value: Json }
  | { op: 'wrap'; at: number }
  | { op: 'empty'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: junk }),
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: nastyKey, value: junk }),
  fc.record({ op: fc.constant('wrap' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('empty' as const), at: fc.nat() })
);

const isContainer = (value: Json): value is Record<string, Json> | Json[] =>
  typeof value === 'object' && value !== null;

function allPaths(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => allPaths(item, [...prefix, index], out));
  else if (isContainer(value))
    for (const key of Object.keys(value)) allPaths((value as Record<string, Json>)[key], [...prefix, key], out);
  return out;
}

function get(value: Json, path: Path): Json {
  return path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], value);
}

/** Sets an own, enumerable property even for `__proto__`, as a parsed manifest would have it. */
function setOwn(target: Record<string | number, Json>, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A deep copy of `base` with the mutations applied in order; each picks its node by index modulo the node count. */
export function applyMutations(base: Json, mutations: readonly Mutation[]): Json {
  let root: Json = structuredClone(base);
  for (const m of mutations) {
    const paths = allPaths(root);
    const path = paths[m.at % paths.length]!;
    const parentPath = path.slice(0, -1);
    const last = path[path.length - 1];
    const parent = path.length === 0 ? undefined : (get(root, parentPath) as Record<string | number, Json>);
    const current = get(root, path);
    // A copy: constants such as `[]` are shared by every case, and a later mutation must not grow them.
    const value = 'value' in m ? structuredClone(m.value) : undefined;
    const replace = (value: Json): void => {
      if (parent === undefined || last === undefined) root = value;
      else setOwn(parent, last, value);
    };
    switch (m.op) {
      case 'delete':
        if (parent === undefined || last === undefined) root = undefined;
        else if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      case 'replace':
        replace(value);
        break;
      case 'add':
        if (isContainer(current) && !Array.isArray(current)) setOwn(current, m.key, value);
        else if (Array.isArray(current)) current.push(value);
        else replace({ [m.key]: value });
        break;
      case 'wrap':
        replace([current]);
        break;
      case 'empty':
        replace(Array.isArray(current) ? [] : isContainer(current) ? {} : '');
        break;
    }
  }
  return root;
}

/** Valid objects from `base`, each with one to three structural mutations. */
export function mutated(base: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return fc
    .tuple(base, fc.array(mutation, { minLength: 1, maxLength: 3 }))
    .map(([value, mutations]) => applyMutations(value, mutations));
}

/** True when a test case polluted Object.prototype (a `__proto__` key merged somewhere it should not be). */
export function prototypePolluted(): boolean {
  const probe = {} as Record<string, unknown>;
  return 'polluted' in probe || Object.keys(Object.prototype).length > 0;
}
