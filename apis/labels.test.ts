import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { RESTRICTED_LABEL_RULES } from './common.js';
import { normalizeLabelKey, restrictedLabelReason, WELL_KNOWN_LABELS } from './labels.js';

const DOMAINS = [
  '',
  'kubernetes.io',
  'node.kubernetes.io',
  'topology.kubernetes.io',
  'beta.kubernetes.io',
  'failure-domain.beta.kubernetes.io',
  'node-restriction.kubernetes.io',
  'k8s.io',
  'kops.k8s.io',
  'storage.k8s.io',
  'karpenter.sh',
  'x.karpenter.sh',
  'karpenter.k8s.aws',
  'topology.k8s.aws',
  'example.com',
];
const NAMES = [
  'arch',
  'os',
  'zone',
  'region',
  'instance-type',
  'hostname',
  'nodepool',
  'capacity-type',
  'instance-cpu',
  'team',
  'zone-id',
];
const arbKey = fc
  .tuple(fc.constantFrom(...DOMAINS), fc.constantFrom(...NAMES))
  .map(([domain, name]) => (domain === '' ? name : `${domain}/${name}`));

describe('restricted labels', () => {
  it('should reach the same verdict through the CEL-twin predicates and restrictedLabelReason', () => {
    fc.assert(
      fc.property(fc.oneof(arbKey, fc.constantFrom(...WELL_KNOWN_LABELS)), (key) => {
        const byRules = RESTRICTED_LABEL_RULES.every((rule) => rule.allows(key));
        expect(byRules).toBe(restrictedLabelReason(key) === undefined);
      })
    );
  });

  it.each([
    ['kubernetes.io/hostname', 'label "kubernetes.io/hostname" is restricted'],
    ['karpenter.sh/nodepool', 'label "karpenter.sh/nodepool" is restricted'],
    ['karpenter.sh/initialized', 'label domain "karpenter.sh" is restricted'],
    ['karpenter.k8s.aws/ec2nodeclass', 'label domain "karpenter.k8s.aws" is restricted'],
    ['storage.k8s.io/x', 'label domain "k8s.io" is restricted'],
    ['kubernetes.io/role', 'label domain "kubernetes.io" is restricted'],
    // Karpenter restricts node-role labels too: the exception is for node.kubernetes.io, not any *.kubernetes.io.
    ['node-role.kubernetes.io/worker', 'label domain "kubernetes.io" is restricted'],
  ])('should restrict %s', (key, reason) => {
    expect(restrictedLabelReason(key)).toBe(reason);
  });

  it.each([
    'kubernetes.io/arch',
    'beta.kubernetes.io/arch',
    'node.kubernetes.io/instance-type',
    'kops.k8s.io/instancegroup',
    'karpenter.sh/capacity-type',
    'karpenter.k8s.aws/instance-family',
    'topology.k8s.aws/zone-id',
    'example.com/team',
  ])('should allow %s', (key) => {
    expect(restrictedLabelReason(key)).toBeUndefined();
  });

  it('should normalise every deprecated alias to a well-known label', () => {
    for (const alias of ['beta.kubernetes.io/arch', 'beta.kubernetes.io/os', 'beta.kubernetes.io/instance-type']) {
      expect(WELL_KNOWN_LABELS.has(normalizeLabelKey(alias))).toBe(true);
    }
  });
});
