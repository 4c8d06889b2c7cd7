import { describe, expect, it } from '@jest/globals';

import { loadInvalidFixtures, loadKarpenterExamples, namesField } from '../test/fixtures/load.js';
import {
  DEFAULT_METADATA_OPTIONS,
  formatFieldPath,
  INVALID_OBJECT,
  parseEC2NodeClass,
  parseNodeClaim,
  parseNodePool,
  safeParseKarpenterObject,
} from './index.js';

const invalid = loadInvalidFixtures();
const examples = loadKarpenterExamples();
const example = (file: string) => {
  const found = examples.find((entry) => entry.file === file);
  if (found === undefined) throw new Error(`no example ${file}`);
  return found.object;
};

describe('runtime parsers', () => {
  it('should have at least 25 invalid fixtures covering all three kinds', () => {
    expect(invalid.length).toBeGreaterThanOrEqual(25);
    const kinds = new Set(invalid.map((fixture) => fixture.object['kind']));
    expect([...kinds].sort()).toEqual(['EC2NodeClass', 'NodeClaim', 'NodePool']);
  });

  it.each(invalid.map((fixture) => [fixture.name, fixture] as const))(
    'should reject %s and name the field',
    (_name, fixture) => {
      const result = safeParseKarpenterObject(fixture.object);
      expect(result.success).toBe(false);
      if (result.success) return;
      expect(result.error.type).toBe(INVALID_OBJECT);
      const fields = result.error.issues.map((issue) => issue.field);
      // Every issue is about the field at fault: the fixture is invalid for the stated reason and no other.
      expect(fields.filter((field) => !namesField(field, fixture.field))).toEqual([]);
      expect(result.error.message).toContain(fixture.field);
    }
  );

  it.each(examples.map((entry) => [entry.file, entry.object] as const))(
    "should accept Karpenter's documented example %s",
    (_file, object) => {
      const result = safeParseKarpenterObject(object);
      if (!result.success) throw result.error;
      expect(result.success).toBe(true);
    }
  );

  it('should fill in the documented NodePool defaults', () => {
    const nodePool = parseNodePool(example('nodepool-spot-weighted.yaml'));
    expect(nodePool.spec.template.spec.expireAfter).toBe('Never');
    expect(nodePool.spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '0s',
      budgets: [{ nodes: '10%' }],
    });
    const gettingStarted = parseNodePool(example('nodepool-getting-started.yaml'));
    expect(gettingStarted.spec.disruption.budgets).toEqual([{ nodes: '10%' }]);
    expect(gettingStarted.spec.disruption.consolidateAfter).toBe('1m');
  });

  it('should default expireAfter to 720h on NodePool templates and NodeClaims', () => {
    const nodePool = parseNodePool(example('nodepool-gpu.yaml'));
    expect(nodePool.spec.template.spec.expireAfter).toBe('720h');
    expect(parseNodeClaim(example('nodeclaim.yaml')).spec.expireAfter).toBe('720h');
  });

  it('should default EC2NodeClass metadataOptions to IMDSv2 with hop limit 1, field by field', () => {
    expect(parseEC2NodeClass(example('ec2nodeclass-getting-started.yaml')).spec.metadataOptions).toEqual(
      DEFAULT_METADATA_OPTIONS
    );
    expect(parseEC2NodeClass(example('ec2nodeclass-windows.yaml')).spec.metadataOptions).toEqual({
      ...DEFAULT_METADATA_OPTIONS,
      httpPutResponseHopLimit: 2,
    });
  });

  it('should let NodeClaims carry karpenter.sh/nodepool, which NodePools may not', () => {
    expect(() => parseNodeClaim(example('nodeclaim.yaml'))).not.toThrow();
    const nodePool = structuredClone(example('nodepool-getting-started.yaml')) as {
      spec: { template: { spec: { requirements: unknown[] } } };
    };
    nodePool.spec.template.spec.requirements.push({ key: 'karpenter.sh/nodepool', operator: 'In', values: ['x'] });
    expect(() => parseNodePool(nodePool)).toThrow(/label "karpenter.sh\/nodepool" is restricted/);
  });

  it('should accept deprecated label aliases and kOps labels in requirements', () => {
    const nodePool = structuredClone(example('nodepool-getting-started.yaml')) as {
      spec: { template: { spec: { requirements: unknown[] } } };
    };
    nodePool.spec.template.spec.requirements.push(
      { key: 'beta.kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kops.k8s.io/instancegroup', operator: 'Exists' },
      { key: 'node.kubernetes.io/role', operator: 'Exists' }
    );
    expect(() => parseNodePool(nodePool)).not.toThrow();
  });

  it('should reject an unsupported kind naming the kind field', () => {
    const result = safeParseKarpenterObject({ apiVersion: 'karpenter.sh/v1alpha5', kind: 'Provisioner' });
    expect(result.success ? [] : result.error.issues.map((issue) => issue.field)).toEqual(['kind']);
  });

  it('should format field paths as the apiserver does', () => {
    expect(formatFieldPath(['spec', 'template', 'spec', 'requirements', 0, 'key'])).toBe(
      'spec.template.spec.requirements[0].key'
    );
    expect(formatFieldPath(['spec', 'limits', 'nvidia.com/gpu'])).toBe('spec.limits[nvidia.com/gpu]');
    expect(formatFieldPath([])).toBe('<root>');
  });
});
