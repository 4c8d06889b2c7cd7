import { describe, expect, it } from '@jest/globals';
import type { EC2NodeClass as ApiEC2NodeClass } from '../../apis/index.js';
import { parseEC2NodeClass } from '../../apis/index.js';
import { amiFamilyOf, isNodeClassReady, type EC2NodeClass } from './nodeclass.js';

// The provider's structural view must accept what `apis/` parses: this assignment fails to compile otherwise.
const asProviderNodeClass = (parsed: ApiEC2NodeClass): EC2NodeClass => parsed;

describe('EC2NodeClass view of the provider', () => {
  it('should accept a parsed EC2NodeClass and infer its AMI family from the alias', () => {
    const parsed = parseEC2NodeClass({
      apiVersion: 'karpenter.k8s.aws/v1',
      kind: 'EC2NodeClass',
      metadata: { name: 'default' },
      spec: {
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'demo' } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'demo' } }],
        amiSelectorTerms: [{ alias: 'bottlerocket@latest' }],
        role: 'KarpenterNodeRole-demo',
      },
    });
    const nodeClass = asProviderNodeClass(parsed);
    expect(amiFamilyOf(nodeClass.spec)).toBe('Bottlerocket');
    expect(isNodeClassReady(nodeClass)).toBe(false);
  });

  it('should keep an explicit Custom family even with an alias', () => {
    expect(
      amiFamilyOf({
        subnetSelectorTerms: [],
        securityGroupSelectorTerms: [],
        amiSelectorTerms: [{ alias: 'al2023@latest' }],
        amiFamily: 'Custom',
      })
    ).toBe('Custom');
    expect(
      amiFamilyOf({
        subnetSelectorTerms: [],
        securityGroupSelectorTerms: [],
        amiSelectorTerms: [{ alias: 'al2023@v20260901' }],
      })
    ).toBe('AL2023');
  });
});
