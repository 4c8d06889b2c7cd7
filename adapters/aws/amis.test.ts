import { describe, expect, it } from '@jest/globals';
import { aliasParameters, newestPerRequirements } from './amis.js';

describe('AMI aliases', () => {
  it('should map al2023@latest to the recommended EKS parameters per architecture and GPU variant', () => {
    expect(aliasParameters('al2023@latest', '1.34').map((v) => v.parameter)).toEqual([
      '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/standard/recommended/image_id',
      '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/arm64/standard/recommended/image_id',
      '/aws/service/eks/optimized-ami/1.34/amazon-linux-2023/x86_64/nvidia/recommended/image_id',
    ]);
  });

  it('should map a pinned AL2023 release and Bottlerocket versions to their own parameters', () => {
    expect(aliasParameters('al2023@v20260901', '1.33')[1]!.parameter).toBe(
      '/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/arm64/standard/amazon-eks-node-al2023-arm64-standard-1.33-v20260901/image_id'
    );
    expect(aliasParameters('bottlerocket@v1.48.0', '1.34').map((v) => v.parameter)).toEqual([
      '/aws/service/bottlerocket/aws-k8s-1.34/x86_64/1.48.0/image_id',
      '/aws/service/bottlerocket/aws-k8s-1.34/arm64/1.48.0/image_id',
      '/aws/service/bottlerocket/aws-k8s-1.34-nvidia/x86_64/1.48.0/image_id',
      '/aws/service/bottlerocket/aws-k8s-1.34-nvidia/arm64/1.48.0/image_id',
    ]);
    expect(aliasParameters('bottlerocket@latest', '1.34')[0]!.parameter).toBe(
      '/aws/service/bottlerocket/aws-k8s-1.34/x86_64/latest/image_id'
    );
    expect(() => aliasParameters('windows2022@latest', '1.34')).toThrow(/not supported/);
  });

  it('should keep the newest AMI per requirement set, newest first', () => {
    const amd = [{ key: 'kubernetes.io/arch', operator: 'In' as const, values: ['amd64'] }];
    const arm = [{ key: 'kubernetes.io/arch', operator: 'In' as const, values: ['arm64'] }];
    expect(
      newestPerRequirements([
        { id: 'ami-old', requirements: amd, creationDate: '2026-09-01T00:00:00Z' },
        { id: 'ami-arm', requirements: arm, creationDate: '2026-09-15T00:00:00Z' },
        { id: 'ami-new', requirements: amd, creationDate: '2026-10-15T00:00:00Z' },
      ]).map((a) => a.id)
    ).toEqual(['ami-new', 'ami-arm']);
  });
});
