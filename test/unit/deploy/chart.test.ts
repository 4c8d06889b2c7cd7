import { describe, expect, it } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR, helmBinary, MANIFEST_FILE, REPO_ROOT, renderChart } from '../../../scripts/render-manifests.js';
import { TEMPORAL_ENV_VARS } from '../../../workers/temporal-connection.js';
import { permissionKey, permissionsFor } from './kubernetes-permissions.js';

// These tests run `helm template` (scripts/install-tools.sh helm puts it in the tools cache).

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}
interface Container {
  env: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  readinessProbe: { exec: { command: string[] } };
  livenessProbe: { exec: { command: string[] } };
  volumeMounts: { name: string; mountPath: string }[];
}

const REQUIRED = {
  settings: { clusterName: 'test', clusterEndpoint: 'https://api.test.example', aws: { region: 'eu-west-1' } },
};

function render(values: Record<string, unknown> = {}): K8sObject[] {
  const merged = {
    ...REQUIRED,
    ...values,
    settings: { ...REQUIRED.settings, ...((values.settings as object) ?? {}) },
  };
  return parseAllDocuments(renderChart({ releaseName: 'kt', namespace: 'karpenter', values: merged }))
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}
const find = (objects: K8sObject[], kind: string) => objects.find((o) => o.kind === kind);
const worker = (objects: K8sObject[]): Container =>
  (find(objects, 'Deployment') as unknown as { spec: { template: { spec: { containers: Container[] } } } }).spec
    .template.spec.containers[0]!;
const env = (objects: K8sObject[]) =>
  Object.fromEntries(worker(objects).env.map((e) => [e.name, e.value ?? e.valueFrom]));

/** The variables workers/config.ts reads: the keys of its WorkerEnv schema. */
function configEnvNames(): string[] {
  const source = readFileSync(join(REPO_ROOT, 'workers', 'config.ts'), 'utf8');
  const schema = source.slice(source.indexOf('const WorkerEnv = z.object({'), source.indexOf('});'));
  return [...schema.matchAll(/^\s{2}([A-Z][A-Z0-9_]*):/gm)].map((m) => m[1]!);
}
/** Temporal's standard connection variables, read through @temporalio/envconfig in workers/temporal-connection.ts. */
const READ_BY_ENVCONFIG: readonly string[] = TEMPORAL_ENV_VARS;

describe('the karpenter-temporal chart', () => {
  it('should render the ServiceAccount, ClusterRole, binding, Deployment and PodDisruptionBudget', () => {
    const objects = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/kt-karpenter-temporal',
      'ClusterRoleBinding/kt-karpenter-temporal',
      'Deployment/kt-karpenter-temporal',
      'PodDisruptionBudget/kt-karpenter-temporal',
      'ServiceAccount/kt-karpenter-temporal',
    ]);
    for (const o of objects.filter((o) => !o.kind.startsWith('Cluster')))
      expect(o.metadata.namespace).toBe('karpenter');
  });

  it('should pass helm lint --strict', () => {
    const set = ['settings.clusterName=c', 'settings.clusterEndpoint=https://c.example', 'settings.aws.region=r'];
    const out = execFileSync(helmBinary(), ['lint', '--strict', CHART_DIR, ...set.flatMap((v) => ['--set', v])], {
      encoding: 'utf8',
    });
    expect(out).toContain('0 chart(s) failed');
  });

  it('should refuse to render without the cluster name, endpoint or region', () => {
    expect(() => renderChart({ releaseName: 'kt', namespace: 'karpenter' })).toThrow(
      /settings.clusterName is required/
    );
    expect(() =>
      renderChart({ releaseName: 'kt', namespace: 'karpenter', values: { settings: { clusterName: 'x' } } })
    ).toThrow(/settings.clusterEndpoint is required/);
  });

  it('should run two workers spread over zones and nodes, never on nodes it manages, one down at a time', () => {
    const objects = render();
    const deployment = find(objects, 'Deployment') as unknown as {
      spec: { replicas: number; template: { spec: Record<string, unknown> } };
    };
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec as {
      topologySpreadConstraints: { topologyKey: string }[];
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchExpressions: unknown[] }[] };
        };
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { topologyKey: string }[] };
      };
      serviceAccountName: string;
    };
    expect(pod.topologySpreadConstraints.map((c) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone']);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]!.topologyKey).toBe(
      'kubernetes.io/hostname'
    );
    expect(
      pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]!.matchExpressions
    ).toEqual([{ key: 'karpenter.sh/nodepool', operator: 'DoesNotExist' }]);
    expect(pod.serviceAccountName).toBe('kt-karpenter-temporal');
    expect((find(objects, 'PodDisruptionBudget') as unknown as { spec: unknown }).spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'karpenter-temporal', 'app.kubernetes.io/instance': 'kt' } },
    });
  });

  it('should map its values onto the environment variables workers/config.ts reads', () => {
    const objects = render({
      settings: { logLevel: 'debug', batchIdleSeconds: 2, interruptionQueue: 'test-queue' },
      temporal: { address: 'temporal.example:7233', namespace: 'ops', taskQueue: 'kt-test', taskPollers: 2 },
    });
    expect(env(objects)).toEqual({
      CLUSTER_NAME: 'test',
      KT_CLOUD_PROVIDER: 'aws',
      CLUSTER_ENDPOINT: 'https://api.test.example',
      AWS_REGION: 'eu-west-1',
      LOG_LEVEL: 'debug',
      KT_DISRUPT: 'true',
      KT_DISRUPTION_DRY_RUN: 'false',
      KT_SPOT_TO_SPOT_CONSOLIDATION: 'false',
      KT_INTERRUPTION_QUEUE: 'test-queue',
      KT_BATCH_IDLE_SECONDS: '2',
      KT_METRICS_PORT: '8080',
      KT_SDK_METRICS_PORT: '9464',
      TEMPORAL_ADDRESS: 'temporal.example:7233',
      TEMPORAL_NAMESPACE: 'ops',
      KT_TASK_QUEUE: 'kt-test',
      KT_TASK_POLLERS: '2',
      KT_WORKFLOW_BUNDLE: '/app/dist/workflow-bundle.js',
      NODE_OPTIONS: '--max-old-space-size=1024 --max-semi-space-size=2',
      LD_PRELOAD: '/usr/local/lib/libjemalloc.so.2',
      MALLOC_CONF: 'dirty_decay_ms:0,muzzy_decay_ms:0,tcache:false',
    });
    // An empty preload keeps glibc's malloc, and then jemalloc's settings mean nothing.
    const glibc = env(render({ allocator: { preload: '' } }));
    expect(glibc['LD_PRELOAD']).toBeUndefined();
    expect(glibc['MALLOC_CONF']).toBeUndefined();
    const everything = render({
      settings: { batchIdleSeconds: 1, batchMaxSeconds: 5, interruptionQueue: 'q' },
      temporal: {
        taskPollers: 1,
        maxCachedWorkflows: 500,
        tls: { clientCertSecret: 'tls', serverCaKey: 'ca.crt', serverName: 'x' },
        apiKey: { secretName: 'k' },
      },
    });
    // NODE_OPTIONS is read by node itself (the heap limits), LD_PRELOAD by the loader, MALLOC_CONF by jemalloc.
    const known = new Set([...configEnvNames(), ...READ_BY_ENVCONFIG, 'NODE_OPTIONS', 'LD_PRELOAD', 'MALLOC_CONF']);
    expect(env(everything)['KT_MAX_CACHED_WORKFLOWS']).toBe('500');
    expect(configEnvNames()).toContain('CLUSTER_NAME');
    expect(Object.keys(env(everything)).filter((name) => !known.has(name))).toEqual([]);
    // The kwok provider needs neither an AWS region nor a cluster endpoint for user data.
    const kwok = env(
      parseAllDocuments(
        renderChart({
          releaseName: 'kt',
          namespace: 'karpenter',
          values: {
            settings: { clusterName: 'c', cloudProvider: 'kwok', kwok: { instanceTypesFile: '/etc/kwok/types.json' } },
          },
        })
      )
        .map((d) => d.toJS() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null)
    );
    expect(kwok).toMatchObject({ KT_CLOUD_PROVIDER: 'kwok', KT_KWOK_INSTANCE_TYPES_FILE: '/etc/kwok/types.json' });
    expect(kwok['AWS_REGION']).toBeUndefined();
    expect(Object.keys(kwok).filter((name) => !known.has(name))).toEqual([]);
  });

  it('should expose /metrics on a named port Prometheus discovers through the pod annotations', () => {
    const pod = (objects: K8sObject[]) =>
      (find(objects, 'Deployment') as unknown as { spec: { template: { metadata: { annotations?: object } } } }).spec
        .template.metadata;
    const objects = render({ metrics: { port: 9090, sdkPort: '' }, podAnnotations: { team: 'platform' } });
    expect((worker(objects) as unknown as { ports: unknown }).ports).toEqual([
      { name: 'http-metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(pod(objects).annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9090',
      'prometheus.io/path': '/metrics',
      team: 'platform',
    });
    expect(env(objects).KT_METRICS_PORT).toBe('9090');
    expect(env(objects).KT_SDK_METRICS_PORT).toBeUndefined();
    expect(pod(render({ metrics: { scrapeAnnotations: false } })).annotations).toBeUndefined();
  });

  it('should connect to Temporal with mTLS from a Secret and with an API key from a Secret', () => {
    const objects = render({
      temporal: {
        tls: { clientCertSecret: 'temporal-client', serverCaKey: 'ca.crt', serverName: 'frontend.internal' },
        apiKey: { secretName: 'temporal-cloud', secretKey: 'key' },
      },
    });
    expect(env(objects)).toMatchObject({
      TEMPORAL_TLS: 'true',
      TEMPORAL_TLS_CLIENT_CERT_PATH: '/etc/temporal/tls/tls.crt',
      TEMPORAL_TLS_CLIENT_KEY_PATH: '/etc/temporal/tls/tls.key',
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/etc/temporal/tls/ca.crt',
      TEMPORAL_TLS_SERVER_NAME: 'frontend.internal',
      TEMPORAL_API_KEY: { secretKeyRef: { name: 'temporal-cloud', key: 'key' } },
    });
    expect(worker(objects).volumeMounts).toContainEqual({
      name: 'temporal-tls',
      mountPath: '/etc/temporal/tls',
      readOnly: true,
    });
    expect(Object.keys(env(render())).filter((n) => n.startsWith('TEMPORAL_TLS') || n === 'TEMPORAL_API_KEY')).toEqual(
      []
    );
  });

  it('should annotate the ServiceAccount with the IRSA role only when one is given', () => {
    const arn = 'arn:aws:iam::111122223333:role/KarpenterTemporalController-test';
    expect(find(render({ serviceAccount: { roleArn: arn } }), 'ServiceAccount')!.metadata.annotations).toEqual({
      'eks.amazonaws.com/role-arn': arn,
    });
    expect(find(render(), 'ServiceAccount')!.metadata.annotations).toBeUndefined();
  });

  it('should grant exactly the Kubernetes permissions the code needs, and a Role only for namespaced rules given', () => {
    const grantedBy = (objects: K8sObject[]): string[] => {
      const rules = (
        find(objects, 'ClusterRole') as unknown as {
          rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
        }
      ).rules;
      const granted = new Set<string>();
      for (const rule of rules)
        for (const group of rule.apiGroups)
          for (const resource of rule.resources)
            for (const verb of rule.verbs) {
              const [res, sub] = resource.split('/');
              granted.add(permissionKey({ group, resource: res!, verb, ...(sub ? { subresource: sub } : {}) }));
            }
      return [...granted].sort();
    };
    const objects = render();
    expect(grantedBy(objects)).toEqual([...new Set(permissionsFor('aws').map(permissionKey))].sort());
    // The kwok provider creates Nodes itself: only its deployments may.
    expect(grantedBy(render({ settings: { cloudProvider: 'kwok' } }))).toEqual(
      [...new Set(permissionsFor('kwok').map(permissionKey))].sort()
    );
    expect(find(objects, 'Role')).toBeUndefined();

    const withRole = render({
      rbac: { namespacedRules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] },
    });
    expect(find(withRole, 'Role')!.metadata.namespace).toBe('karpenter');
    expect(find(withRole, 'RoleBinding')).toBeDefined();
  });

  it('should probe the worker by its established connection to the Temporal frontend', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const probe = worker(render({ temporal: { address: `127.0.0.1:${port}` } })).readinessProbe.exec.command;
    expect(worker(render({ temporal: { address: `127.0.0.1:${port}` } })).livenessProbe.exec.command).toEqual(probe);
    expect(probe.at(-1)).toBe(String(port));
    const run = async (): Promise<number> => {
      try {
        await promisify(execFile)(process.execPath, probe.slice(1));
        return 0;
      } catch (err) {
        return (err as { code: number }).code;
      }
    };
    try {
      expect(await run()).toBe(1);
      const socket: Socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      expect(await run()).toBe(0);
      socket.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect(await run()).toBe(1);
    // An address without a port probes Temporal's default one.
    expect(worker(render({ temporal: { address: 'temporal.example' } })).readinessProbe.exec.command.at(-1)).toBe(
      '7233'
    );
  });

  it('should ship the plain manifests rendered from it, with the CRDs and placeholders to substitute', () => {
    const manifests = readFileSync(MANIFEST_FILE, 'utf8');
    const kinds = parseAllDocuments(manifests)
      .map((d) => d.toJS() as K8sObject | null)
      .filter((o): o is K8sObject => o !== null)
      .map((o) => o.kind);
    expect(kinds.filter((k) => k === 'CustomResourceDefinition')).toHaveLength(4);
    expect(kinds).toEqual(expect.arrayContaining(['Namespace', 'ServiceAccount', 'ClusterRole', 'Deployment']));
    for (const placeholder of ['${CLUSTER_NAME}', '${CLUSTER_ENDPOINT}', '${AWS_REGION}', '${AWS_ACCOUNT_ID}'])
      expect(manifests).toContain(placeholder);
    expect(CHART_DIR.endsWith(join('deploy', 'chart'))).toBe(true);
  });
});
