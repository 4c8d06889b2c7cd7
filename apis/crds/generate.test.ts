import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { z } from 'zod';

import { buildCrd, CRD_SOURCES } from './definitions.js';
import { renderCrds, staleCrds, writeCrds } from './generate.js';
import type { JSONSchemaProps } from './openapi.js';
import { toStructuralSchema } from './openapi.js';

type Node = JSONSchemaProps;
const crd = (kind: string) => {
  const source = CRD_SOURCES.find((candidate) => candidate.kind === kind);
  if (source === undefined) throw new Error(kind);
  return buildCrd(source) as {
    spec: {
      versions: {
        schema: { openAPIV3Schema: Node };
        additionalPrinterColumns: { name: string }[];
        subresources: Node;
      }[];
    };
  };
};
const root = (kind: string) => crd(kind).spec.versions[0]!.schema.openAPIV3Schema;
const at = (node: Node, ...path: string[]): Node =>
  path.reduce(
    (current, key) => (key === '[]' ? (current['items'] as Node) : ((current['properties'] as Node)[key] as Node)),
    node
  );
const rules = (node: Node) =>
  ((node['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? []).map((v) => v.rule);

/** Every schema node, for structural checks. */
function* nodes(node: Node, path = ''): Generator<[string, Node]> {
  yield [path, node];
  for (const [name, child] of Object.entries((node['properties'] as Record<string, Node> | undefined) ?? {})) {
    yield* nodes(child, `${path}.${name}`);
  }
  if (node['items'] !== undefined) yield* nodes(node['items'] as Node, `${path}[]`);
  if (typeof node['additionalProperties'] === 'object') yield* nodes(node['additionalProperties'] as Node, `${path}{}`);
}

describe('CRD generation', () => {
  it.each(['NodePool', 'NodeClaim', 'EC2NodeClass'])(
    'should give every %s schema node a type or int-or-string',
    (kind) => {
      for (const [path, node] of nodes(root(kind))) {
        if (node['x-kubernetes-int-or-string'] === true) {
          expect([path, node['anyOf']]).toEqual([path, [{ type: 'integer' }, { type: 'string' }]]);
        } else {
          expect([path, typeof node['type']]).toEqual([path, 'string']);
          expect([path, node['anyOf'], node['additionalProperties'] === false]).toEqual([path, undefined, false]);
        }
      }
    }
  );

  it('should carry the CEL rules Karpenter has', () => {
    const nodePool = root('NodePool');
    expect(rules(at(nodePool, 'spec', 'disruption', 'budgets'))).toContain(
      'self.all(x, has(x.schedule) == has(x.duration))'
    );
    expect(rules(at(nodePool, 'spec', 'template', 'spec', 'requirements', '[]', 'key'))).toContain(
      'self != "kubernetes.io/hostname"'
    );
    expect(rules(at(root('NodeClaim'), 'spec'))).toContain('self == oldSelf');
    const nodeClass = at(root('EC2NodeClass'), 'spec');
    expect(rules(nodeClass)).toContain(
      '(has(self.role) && !has(self.instanceProfile)) || (!has(self.role) && has(self.instanceProfile))'
    );
    expect(rules(at(nodeClass, 'amiSelectorTerms'))).toContain('!(self.exists(x, has(x.alias)) && self.size() != 1)');
  });

  it('should write the documented defaults into the schema', () => {
    const nodePool = root('NodePool');
    expect(at(nodePool, 'spec', 'template', 'spec', 'expireAfter')['default']).toBe('720h');
    expect(at(nodePool, 'spec', 'disruption', 'consolidationPolicy')['default']).toBe('WhenEmptyOrUnderutilized');
    expect(at(nodePool, 'spec', 'disruption', 'budgets')['default']).toEqual([{ nodes: '10%' }]);
    expect(at(root('EC2NodeClass'), 'spec', 'metadataOptions')['default']).toEqual({
      httpEndpoint: 'enabled',
      httpProtocolIPv6: 'disabled',
      httpPutResponseHopLimit: 1,
      httpTokens: 'required',
    });
  });

  it('should have a status subresource and printer columns like Karpenter', () => {
    expect(crd('NodePool').spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)).toEqual([
      'NodeClass',
      'Nodes',
      'Ready',
      'Age',
      'Weight',
      'CPU',
      'Memory',
    ]);
    expect(
      crd('NodeClaim')
        .spec.versions[0]!.additionalPrinterColumns.map((c) => c.name)
        .slice(0, 6)
    ).toEqual(['Type', 'Capacity', 'Zone', 'Node', 'Ready', 'Age']);
    for (const kind of ['NodePool', 'NodeClaim', 'EC2NodeClass']) {
      expect(crd(kind).spec.versions[0]!.subresources).toHaveProperty('status');
    }
  });

  it('should refuse zod shapes a structural schema cannot express', () => {
    expect(() => toStructuralSchema(z.union([z.string(), z.object({ a: z.string() })]))).toThrow(/structural/);
  });

  it('should detect stale files and clear after regenerating', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crds-'));
    expect(staleCrds(dir)).toHaveLength(renderCrds().size);
    writeCrds(dir);
    expect(staleCrds(dir)).toEqual([]);
    const [first] = [...renderCrds().keys()];
    writeFileSync(join(dir, first!), `${readFileSync(join(dir, first!), 'utf8')}# edited\n`);
    expect(staleCrds(dir)).toEqual([join(dir, first!)]);
  });
});
