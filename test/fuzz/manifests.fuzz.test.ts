/**
 * NodePool, EC2NodeClass and KWOKNodeClass manifests through the parsers, and YAML/JSON text through the CLI's
 * manifest reading: structurally mutated valid manifests and arbitrary input. Every bad input is an
 * InvalidObjectError (type InvalidObject) or an InputError naming the file, whose issues name a field path and stay
 * short; nothing else is thrown; valid manifests are still accepted.
 */
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { stringify } from 'yaml';

import {
  INVALID_OBJECT,
  InvalidObjectError,
  MAX_ISSUES,
  safeParseEC2NodeClass,
  safeParseKarpenterObject,
  safeParseKWOKNodeClass,
  safeParseNodePool,
  type ParseResult,
} from '../../apis/index.js';
import { InputError } from '../../cli/command.js';
import { parseManifestDocuments } from '../../cli/manifest-documents.js';
import { loadKarpenterExamples } from '../fixtures/load.js';
import { junk, mutated, nastyKey, prototypePolluted } from './mutate.js';
import { fuzzParameters } from './seed.js';

/** Case counts, reported in docs/reliability.md. */
export const MANIFEST_RUNS = {
  nodePoolMutated: 1500,
  ec2NodeClassMutated: 1500,
  kwokNodeClassMutated: 800,
  anyKindArbitrary: 1000,
  yamlText: 1000,
  yamlOfMutated: 1000,
};

const examples = loadKarpenterExamples();
const ofKind = (kind: string) => examples.filter((e) => e.object['kind'] === kind).map((e) => e.object);
const nodePools = ofKind('NodePool');
const ec2NodeClasses = ofKind('EC2NodeClass');
const kwokNodeClasses: Record<string, unknown>[] = [
  { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'default' } },
  {
    apiVersion: 'karpenter.kwok.sh/v1alpha1',
    kind: 'KWOKNodeClass',
    metadata: { name: 'slow', labels: { team: 'a' } },
    spec: { maxPods: 110, nodeRegistrationDelay: '30s', reservedResources: { cpu: '100m', memory: '10Mi' } },
  },
];

/** What every refusal must look like: typed, at least one issue, each naming a field, all of it bounded. */
function expectWellFormedRefusal(result: ParseResult<unknown>): void {
  if (result.success) return;
  const error = result.error;
  expect(error).toBeInstanceOf(InvalidObjectError);
  expect(error.type).toBe(INVALID_OBJECT);
  expect(error.issues.length).toBeGreaterThan(0);
  expect(error.issues.length).toBeLessThanOrEqual(MAX_ISSUES);
  for (const issue of error.issues) {
    expect(typeof issue.field).toBe('string');
    expect(issue.field.length).toBeGreaterThan(0);
    expect(issue.field.length).toBeLessThanOrEqual(200);
    expect(issue.message.length).toBeLessThanOrEqual(300);
  }
  expect(error.message.length).toBeLessThanOrEqual(MAX_ISSUES * 600);
}

function parserProperty(parse: (input: unknown) => ParseResult<unknown>) {
  return (input: unknown): void => {
    expectWellFormedRefusal(parse(input));
    expect(prototypePolluted()).toBe(false);
  };
}

describe('fuzz: manifest parsers', () => {
  it('accepts every documented example', () => {
    for (const object of [...nodePools, ...ec2NodeClasses, ...kwokNodeClasses]) {
      const result = safeParseKarpenterObject(object);
      expect(result.success ? 'ok' : result.error.message).toBe('ok');
    }
  });

  it('NodePool: mutated valid manifests are accepted or refused with field paths, never thrown', () => {
    fc.assert(
      fc.property(mutated(fc.constantFrom(...nodePools)), parserProperty(safeParseNodePool)),
      fuzzParameters(MANIFEST_RUNS.nodePoolMutated)
    );
  });

  it('EC2NodeClass: mutated valid manifests are accepted or refused with field paths, never thrown', () => {
    fc.assert(
      fc.property(mutated(fc.constantFrom(...ec2NodeClasses)), parserProperty(safeParseEC2NodeClass)),
      fuzzParameters(MANIFEST_RUNS.ec2NodeClassMutated)
    );
  });

  it('KWOKNodeClass: mutated valid manifests are accepted or refused with field paths, never thrown', () => {
    fc.assert(
      fc.property(mutated(fc.constantFrom(...kwokNodeClasses)), parserProperty(safeParseKWOKNodeClass)),
      fuzzParameters(MANIFEST_RUNS.kwokNodeClassMutated)
    );
  });

  it('any kind: arbitrary JSON with any kind is refused with field paths, never thrown', () => {
    const kind = fc.oneof(fc.constantFrom('NodePool', 'EC2NodeClass', 'KWOKNodeClass', 'NodeClaim'), junk);
    const arbitrary = fc.oneof(
      junk,
      fc.tuple(kind, fc.dictionary(nastyKey, junk, { maxKeys: 5 })).map(([k, rest]) => ({ ...rest, kind: k })),
      fc
        .tuple(kind, junk)
        .map(([k, spec]) => ({ apiVersion: 'karpenter.sh/v1', kind: k, metadata: { name: 'x' }, spec }))
    );
    fc.assert(
      fc.property(arbitrary, parserProperty(safeParseKarpenterObject)),
      fuzzParameters(MANIFEST_RUNS.anyKindArbitrary)
    );
  });

  it('regression: a __proto__ label is refused, not dropped', () => {
    const pool = structuredClone(nodePools[0]!) as { spec: { template: Record<string, unknown> } };
    pool.spec.template['metadata'] = JSON.parse('{"labels": {"__proto__": "x", "team": "a"}}') as unknown;
    const result = safeParseNodePool(pool);
    expect(result.success ? [] : result.error.issues.map((issue) => issue.field)).toEqual([
      'spec.template.metadata.labels.__proto__',
    ]);
  });

  it('regression: 5,000 unknown fields or a 100,000-character key give a short message', () => {
    const many = structuredClone(nodePools[0]!) as { spec: Record<string, unknown> };
    for (let i = 0; i < 5000; i++) many.spec[`k${i}`] = 1;
    const long = structuredClone(nodePools[0]!) as { spec: Record<string, unknown> };
    long.spec['x'.repeat(100_000)] = 1;
    for (const input of [many, long]) {
      const result = safeParseNodePool(input);
      expect(result.success).toBe(false);
      if (!result.success) expect(result.error.message.length).toBeLessThan(12_000);
    }
  });
});

const SOURCE = 'fuzz/manifest.yaml';

/** The CLI's manifest reading: documents, or an InputError whose message starts with the file name. */
function readProperty(text: string): void {
  try {
    const documents = parseManifestDocuments({ name: SOURCE, text });
    for (const document of documents) {
      expect(typeof document.object).toBe('object');
      // What later commands do first: pick a parser by kind and name the object in errors.
      const result = safeParseKarpenterObject(document.object);
      expectWellFormedRefusal(result);
    }
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message.startsWith(`${SOURCE}:`)).toBe(true);
    expect((error as InputError).message.length).toBeLessThanOrEqual(600);
  }
  expect(prototypePolluted()).toBe(false);
}

const yamlChars = fc.constantFrom(
  ...[':', '-', ' ', '\n', '  ', '{', '}', '[', ']', '"', "'", '&a', '*a', '!!', '#', '---', '|', '>', '%', '@', '`'],
  ...['kind: NodePool', 'metadata:', 'name: x', '__proto__:', '<<: *a', 'spec:', '\t', '?', ',', '0x1F', '.inf', '~']
);

describe('fuzz: CLI manifest reading (YAML and JSON text)', () => {
  it('arbitrary text is read or refused with the file named, never thrown otherwise', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.array(yamlChars, { maxLength: 60 }).map((parts) => parts.join('')),
      fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value))
    );
    fc.assert(fc.property(text, readProperty), fuzzParameters(MANIFEST_RUNS.yamlText));
  });

  it('YAML of mutated manifests, then cut or spliced, is read or refused with the file named', () => {
    const manifests = mutated(fc.constantFrom(...nodePools, ...ec2NodeClasses, ...kwokNodeClasses));
    const text = fc
      .tuple(manifests, fc.nat(), fc.nat({ max: 20 }), fc.oneof(fc.constant(''), yamlChars), fc.boolean())
      .map(([object, at, cut, insert, asJson]) => {
        let body: string;
        try {
          body = asJson ? (JSON.stringify(object) ?? 'null') : ((stringify(object) as string | undefined) ?? '');
        } catch {
          body = String(object);
        }
        const position = body.length === 0 ? 0 : at % body.length;
        return body.slice(0, position) + insert + body.slice(position + cut);
      });
    fc.assert(fc.property(text, readProperty), fuzzParameters(MANIFEST_RUNS.yamlOfMutated));
  });

  it('regression: an alias bomb, a huge scalar and kind: {toString: 1} are InputErrors naming the file', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${`*${'abcdefgh'[i]}, `.repeat(9)}]`),
    ].join('\n');
    for (const text of [bomb, `"${'x'.repeat(100_000)}"`, 'kind: {toString: 1}', 'kind: NodePool\n__proto__: {a: 1}']) {
      expect(() => parseManifestDocuments({ name: SOURCE, text })).toThrow(InputError);
      try {
        parseManifestDocuments({ name: SOURCE, text });
      } catch (error) {
        expect((error as Error).message.startsWith(`${SOURCE}:`)).toBe(true);
        expect((error as Error).message.length).toBeLessThan(400);
      }
    }
  });
});
