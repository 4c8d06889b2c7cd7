import { describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { parseBootstrap } from '../../testbed/bridge/user-data.js';
import {
  al2023UserData,
  bottlerocketUserData,
  kubeletLabels,
  parseMimeParts,
  parseTomlTables,
  renderUserData,
} from './userdata.js';

const base = {
  clusterName: 'demo',
  clusterEndpoint: 'https://demo.example:443',
  caBundle: 'Q0E=',
  labels: { 'karpenter.sh/nodepool': 'default', 'karpenter.sh/capacity-type': 'spot' },
  taints: [{ key: 'dedicated', value: 'ml', effect: 'NoSchedule' }],
  maxPods: 29,
};

describe('AL2023 nodeadm user data', () => {
  it('should render one NodeConfig with cluster, labels flag, max pods and the unregistered taint first', () => {
    const parts = parseMimeParts(al2023UserData(base))!;
    expect(parts).toHaveLength(1);
    expect(parts[0]!.contentType).toBe('application/node.eks.aws');
    const config = parseAllDocuments(parts[0]!.body)[0]!.toJS() as {
      kind: string;
      spec: { cluster: Record<string, string>; kubelet: { config: Record<string, unknown>; flags: string[] } };
    };
    expect(config.kind).toBe('NodeConfig');
    expect(config.spec.cluster).toEqual({
      name: 'demo',
      apiServerEndpoint: 'https://demo.example:443',
      certificateAuthority: 'Q0E=',
    });
    expect(config.spec.kubelet.config['maxPods']).toBe(29);
    expect(config.spec.kubelet.config['registerWithTaints']).toEqual([
      { key: 'karpenter.sh/unregistered', effect: 'NoExecute' },
      { key: 'dedicated', value: 'ml', effect: 'NoSchedule' },
    ]);
    expect(config.spec.kubelet.flags).toEqual([
      '--node-labels="karpenter.sh/capacity-type=spot,karpenter.sh/nodepool=default"',
    ]);
  });

  it('should keep the user parts first and put its own NodeConfig last, so nodeadm lets it win', () => {
    const script = '#!/bin/bash\necho hello';
    const parts = parseMimeParts(al2023UserData({ ...base, customUserData: script }))!;
    expect(parts.map((p) => p.contentType)).toEqual([
      'text/x-shellscript; charset="us-ascii"',
      'application/node.eks.aws',
    ]);
    expect(parts[0]!.body).toBe(script);

    const userMime = al2023UserData({ ...base, labels: { team: 'a' }, customUserData: undefined });
    const merged = parseMimeParts(al2023UserData({ ...base, customUserData: userMime }))!;
    expect(merged).toHaveLength(2);
    expect(merged[0]!.body).toContain('team=a');

    const bareNodeConfig =
      'apiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      shutdownGracePeriod: 30s';
    expect(parseMimeParts(al2023UserData({ ...base, customUserData: bareNodeConfig }))![0]!.contentType).toBe(
      'application/node.eks.aws'
    );
  });

  it('should be read back by the test bed kubelet bridge as the same labels and taints', () => {
    const read = parseBootstrap(al2023UserData(base));
    expect(read.labels).toEqual(base.labels);
    expect(read.taints).toEqual([
      { key: 'karpenter.sh/unregistered', effect: 'NoExecute' },
      { key: 'dedicated', value: 'ml', effect: 'NoSchedule' },
    ]);
  });

  it('should render the same bytes for the same input (launch templates are named by a hash of them)', () => {
    expect(al2023UserData(base)).toBe(al2023UserData({ ...base, labels: { ...base.labels } }));
  });
});

describe('Bottlerocket TOML user data', () => {
  it('should set cluster settings, labels and taints and keep the user settings it does not own', () => {
    const user =
      '[settings.kubernetes]\ncluster-name = "wrong"\nallowed-unsafe-sysctls = ["net.core.somaxconn"]\n[settings.host-containers.admin]\nenabled = true\n';
    const toml = bottlerocketUserData({ ...base, customUserData: user });
    const tables = parseTomlTables(toml);
    expect(tables.get('settings.kubernetes')?.get('cluster-name')).toBe('"demo"');
    expect(tables.get('settings.kubernetes')?.get('allowed-unsafe-sysctls')).toBe('["net.core.somaxconn"]');
    expect(tables.get('settings.kubernetes')?.get('max-pods')).toBe('29');
    expect(tables.get('settings.host-containers.admin')?.get('enabled')).toBe('true');
    const read = parseBootstrap(toml);
    expect(read.labels).toEqual(base.labels);
    expect(read.taints).toEqual(
      expect.arrayContaining([
        { key: 'karpenter.sh/unregistered', effect: 'NoExecute' },
        { key: 'dedicated', value: 'ml', effect: 'NoSchedule' },
      ])
    );
  });
});

describe('renderUserData', () => {
  it('should pass Custom user data through unchanged and refuse families it cannot bootstrap', () => {
    expect(renderUserData('Custom', { ...base, customUserData: 'echo custom' })).toBe('echo custom');
    expect(() => renderUserData('Windows2022', base)).toThrow(/not supported/);
  });
});

describe('kubeletLabels', () => {
  it('should keep what kubelet accepts and drop the kubernetes.io and k8s.io labels it refuses', () => {
    expect(
      kubeletLabels({
        'karpenter.sh/nodepool': 'default',
        team: 'a',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': 'm5.large',
        'topology.kubernetes.io/zone': 'us-west-2a',
        'x.kubelet.kubernetes.io/y': 'z',
        'kubernetes.io/role': 'worker',
        'node-role.kubernetes.io/worker': '',
        'example.k8s.io/thing': 'no',
        'notkubernetes.io/fine': 'yes',
      })
    ).toEqual({
      'karpenter.sh/nodepool': 'default',
      team: 'a',
      'kubernetes.io/arch': 'amd64',
      'node.kubernetes.io/instance-type': 'm5.large',
      'topology.kubernetes.io/zone': 'us-west-2a',
      'x.kubelet.kubernetes.io/y': 'z',
      'notkubernetes.io/fine': 'yes',
    });
  });
});
