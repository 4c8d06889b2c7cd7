import { describe, expect, it } from '@jest/globals';
import { parseBootstrap, parseTaint } from './user-data.js';

describe('parseBootstrap', () => {
  it('reads labels and taints from an AL2023 nodeadm MIME document', () => {
    const userData = [
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="//"',
      '',
      '--//',
      'Content-Type: application/node.eks.aws',
      '',
      'apiVersion: node.eks.aws/v1alpha1',
      'kind: NodeConfig',
      'spec:',
      '  kubelet:',
      '    config:',
      '      registerWithTaints:',
      '        - {key: karpenter.sh/unregistered, effect: NoExecute}',
      '    flags:',
      '      - --node-labels="karpenter.sh/nodepool=default,karpenter.sh/capacity-type=spot"',
      '--//--',
    ].join('\n');
    const parsed = parseBootstrap(userData);
    expect(parsed.labels).toEqual({ 'karpenter.sh/nodepool': 'default', 'karpenter.sh/capacity-type': 'spot' });
    expect(parsed.taints).toEqual([{ key: 'karpenter.sh/unregistered', effect: 'NoExecute' }]);
  });

  it('reads Bottlerocket TOML settings', () => {
    const userData = [
      '[settings.kubernetes]',
      'cluster-name = "demo"',
      '[settings.kubernetes.node-labels]',
      '"karpenter.sh/nodepool" = "gpu"',
      '[settings.kubernetes.node-taints]',
      '"nvidia.com/gpu" = ["true:NoSchedule"]',
      '"karpenter.sh/unregistered" = [":NoExecute"]',
    ].join('\n');
    const parsed = parseBootstrap(userData);
    expect(parsed.labels).toEqual({ 'karpenter.sh/nodepool': 'gpu' });
    expect(parsed.taints).toEqual([
      { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' },
      { key: 'karpenter.sh/unregistered', effect: 'NoExecute' },
    ]);
  });

  it('reads bootstrap.sh kubelet flags and ignores malformed taints', () => {
    const parsed = parseBootstrap(
      "/etc/eks/bootstrap.sh demo --kubelet-extra-args '--node-labels=team=a --register-with-taints=dedicated=ml:NoSchedule,bad'"
    );
    expect(parsed.labels).toEqual({ team: 'a' });
    expect(parsed.taints).toEqual([{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }]);
  });

  it('rejects a taint with an unknown effect', () => {
    expect(parseTaint('a=b:Sometimes')).toBeUndefined();
  });
});
