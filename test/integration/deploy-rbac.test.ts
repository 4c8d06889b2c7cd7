import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CreatePolicyCommand, CreateRoleCommand, DeletePolicyCommand, DeleteRoleCommand } from '@aws-sdk/client-iam';
import {
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  VersionApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import { pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import {
  kubernetesNodeClasses,
  writeNodeClassAnnotations,
  writeNodeClassStatus,
} from '../../adapters/aws/nodeclass-store.js';
import { kubernetesClusterSnapshot } from '../../adapters/kubernetes/cluster-snapshot.js';
import { kubernetesLifecycle } from '../../adapters/kubernetes/lifecycle.js';
import { NodeClaimWatcher } from '../../adapters/kubernetes/nodeclaim-watcher.js';
import { PendingPodWatcher } from '../../adapters/kubernetes/pod-watcher.js';
import { kubernetesProvisioning } from '../../adapters/kubernetes/provisioning.js';
import { renderChart } from '../../scripts/render-manifests.js';
import { iamClient, kubeConfigFor } from '../../testbed/clients.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import { NodeClassController } from '../../workers/nodeclass-controller.js';
import { eventually } from './support/wait.js';
import { readIamFile } from '../unit/deploy/iam-files.js';
import {
  permissionKey,
  permissionsFor,
  REFUSED,
  WORKER_PERMISSIONS,
  type Permission,
} from '../unit/deploy/kubernetes-permissions.js';

// The chart's objects on the test bed's kube-apiserver (RBAC on): they apply with a server-side dry run and for
// real, and the chart's ServiceAccount, authenticated with a real token, may make every call the worker's code
// makes and nothing else. The CRDs only in the dry run: the whole test bed shares the ones it installed.

const FIELD_MANAGER = 'karpenter-temporal-chart-test';
const NODECLAIMS = { group: 'karpenter.sh', version: 'v1', plural: 'nodeclaims' } as const;
const silent = pino({ level: 'silent' });

const code = async (call: Promise<unknown>): Promise<number | 'ok'> => {
  try {
    await call;
    return 'ok';
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
};

/** The URL path of an object of the kinds the chart has. */
function objectPath(obj: KubernetesObject): string {
  const plural: Record<string, string> = {
    CustomResourceDefinition: 'customresourcedefinitions',
    ServiceAccount: 'serviceaccounts',
    ClusterRole: 'clusterroles',
    ClusterRoleBinding: 'clusterrolebindings',
    Role: 'roles',
    RoleBinding: 'rolebindings',
    Deployment: 'deployments',
    PodDisruptionBudget: 'poddisruptionbudgets',
  };
  const resource = plural[obj.kind!];
  if (!resource) throw new Error(`no path for kind ${obj.kind}`);
  const base = obj.apiVersion!.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
  const ns = obj.metadata!.namespace ? `/namespaces/${obj.metadata!.namespace}` : '';
  return `${base}${ns}/${resource}/${obj.metadata!.name}`;
}

/**
 * `kubectl apply --server-side` of one object, as JSON exactly as rendered, with strict field validation: an unknown
 * or misspelt field is an error (the typed client would drop it silently, and renames fields such as `enum`).
 */
async function serverSideApply(kc: KubeConfig, obj: KubernetesObject, dryRun?: 'All'): Promise<void> {
  const url = new URL(kc.getCurrentCluster()!.server + objectPath(obj));
  url.searchParams.set('fieldManager', FIELD_MANAGER);
  url.searchParams.set('force', 'true');
  url.searchParams.set('fieldValidation', 'Strict');
  if (dryRun) url.searchParams.set('dryRun', dryRun);
  const options: https.RequestOptions = {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/apply-patch+yaml', Accept: 'application/json' },
  };
  await kc.applyToHTTPSOptions(options);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = https.request(url, options, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(obj));
  });
  if (status >= 300) throw new Error(`applying ${obj.kind}/${obj.metadata!.name}: HTTP ${status} ${body}`);
}

describe('the chart on the test bed API server', () => {
  const endpoints = loadEndpoints();
  const admin = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
  const objectApi = KubernetesObjectApi.makeApiClient(admin);
  const core = admin.makeApiClient(CoreV1Api);
  const id = randomUUID().slice(0, 8);
  const namespace = `kt-deploy-${id}`;
  const release = `kt-rbac-${id}`;
  const fullname = `${release}-karpenter-temporal`;
  const values = {
    settings: {
      clusterName: endpoints.clusterName,
      clusterEndpoint: admin.getCurrentCluster()!.server,
      aws: { region: 'us-west-2' },
    },
    serviceAccount: { roleArn: 'arn:aws:iam::123456789012:role/KarpenterTemporalController-testbed' },
  };
  const render = (extra: Record<string, unknown> = {}): KubernetesObject[] =>
    parseAllDocuments(
      renderChart({ releaseName: release, namespace, values: { ...values, ...extra }, includeCrds: true })
    )
      .map((d) => d.toJS() as KubernetesObject | null)
      .filter((o): o is KubernetesObject => o !== null);
  const apply = (obj: KubernetesObject, dryRun?: 'All') => serverSideApply(admin, obj, dryRun);

  let worker: KubeConfig;

  beforeAll(async () => {
    // `helm install --create-namespace` makes the release's namespace; the chart does not hold it.
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // On a test bed that has just started, the custom resources' storage may still be initialising (429).
    const custom = admin.makeApiClient(CustomObjectsApi);
    await eventually('the custom resources to be served', async () => {
      for (const [group, plural] of [
        ['karpenter.sh', 'nodeclaims'],
        ['karpenter.sh', 'nodepools'],
        ['karpenter.k8s.aws', 'ec2nodeclasses'],
      ] as const)
        await custom.listClusterCustomObject({ group, version: 'v1', plural });
      return true;
    });
  });
  afterAll(async () => {
    const rbac = { apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: fullname } };
    await objectApi.delete({ ...rbac, kind: 'ClusterRoleBinding' }).catch(() => undefined);
    await objectApi.delete({ ...rbac, kind: 'ClusterRole' }).catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('should apply every object with a server-side dry run, leaving nothing behind', async () => {
    const objects = render();
    expect(objects.map((o) => o.kind)).toEqual(
      expect.arrayContaining(['CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'Deployment'])
    );
    for (const obj of objects) await apply(obj, 'All');
    expect(
      await code(objectApi.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: fullname, namespace } }))
    ).toBe(404);
  });

  it('should apply every object for real', async () => {
    // No pods: a pending worker pod would be picked up by any provisioner running on the shared test bed.
    const rendered = render({ replicas: 0 });
    // Not the CRDs: the test bed installed its own at start, and re-applying them would make the API server
    // re-initialise their storage under the other tests' feet (429 "storage is (re)initializing"). The dry run above
    // applied the chart's.
    const objects = rendered.filter((o) => o.kind !== 'CustomResourceDefinition');
    for (const obj of objects) await apply(obj);
    for (const obj of objects) {
      const read = await objectApi.read({
        apiVersion: obj.apiVersion!,
        kind: obj.kind!,
        metadata: { name: obj.metadata!.name!, ...(obj.metadata!.namespace ? { namespace } : {}) },
      });
      expect(read.metadata?.name).toBe(obj.metadata!.name);
    }
    const sa = await core.readNamespacedServiceAccount({ name: fullname, namespace });
    expect(sa.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(values.serviceAccount.roleArn);

    // The worker's identity: a token of the chart's ServiceAccount, as the pod gets it.
    const token = await core.createNamespacedServiceAccountToken({
      name: fullname,
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    const cluster = admin.getCurrentCluster()!;
    worker = new KubeConfig();
    worker.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'worker', token: token.status?.token }],
      contexts: [{ name: 'worker', cluster: cluster.name, user: 'worker' }],
      currentContext: 'worker',
    });
    const self = await worker
      .makeApiClient(AuthenticationV1Api)
      .createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    expect(self.status?.userInfo?.username).toBe(`system:serviceaccount:${namespace}:${fullname}`);
  });

  const allowed = async (p: Omit<Permission, 'by'>, ns?: string): Promise<boolean> => {
    const review = await worker.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({
      body: {
        spec: {
          resourceAttributes: {
            group: p.group,
            resource: p.resource,
            verb: p.verb,
            ...(p.subresource ? { subresource: p.subresource } : {}),
            ...(ns ? { namespace: ns } : {}),
          },
        },
      },
    });
    return review.status?.allowed === true;
  };

  it('should allow the ServiceAccount every call the worker makes, in every namespace', async () => {
    const denied: string[] = [];
    // The release here has the default cloud provider (aws): it gets every common permission and aws's own.
    for (const p of permissionsFor('aws')) if (!(await allowed(p))) denied.push(`${permissionKey(p)} (${p.by})`);
    expect(denied).toEqual([]);
  });

  it('should refuse an aws release what only the kwok provider needs (creating Nodes, reading KWOKNodeClasses)', async () => {
    const granted: string[] = [];
    for (const p of WORKER_PERMISSIONS.filter((q) => q.provider === 'kwok')) {
      if (await allowed(p)) granted.push(permissionKey(p));
    }
    expect(granted).toEqual([]);
  });

  it('should refuse the ServiceAccount anything else', async () => {
    const granted: string[] = [];
    for (const p of REFUSED) {
      if (await allowed(p)) granted.push(permissionKey(p));
      if (await allowed(p, namespace)) granted.push(`${permissionKey(p)} in ${namespace}`);
    }
    expect(granted).toEqual([]);

    // The same through real calls: refused with 403, and nothing changed.
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 'keep' }, stringData: { a: 'b' } } });
    const asWorker = worker.makeApiClient(CoreV1Api);
    expect(await code(asWorker.deleteNamespacedSecret({ name: 'keep', namespace }))).toBe(403);
    expect(await code(asWorker.readNamespacedSecret({ name: 'keep', namespace }))).toBe(403);
    expect((await core.readNamespacedSecret({ name: 'keep', namespace })).metadata?.name).toBe('keep');
    const deployment = {
      metadata: { name: 'not-allowed' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x' }] } },
      },
    };
    expect(
      await code(worker.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: deployment }))
    ).toBe(403);
    expect(
      await code(
        worker
          .makeApiClient(CustomObjectsApi)
          .deleteClusterCustomObject({ group: 'karpenter.sh', version: 'v1', plural: 'nodepools', name: 'default' })
      )
    ).toBe(403);
  });

  it("should let the worker's own Kubernetes adapters run with the ServiceAccount's credentials", async () => {
    // Reads: the provisioner's snapshot, the server version, informers (list + watch) of every watcher.
    const snapshot = await kubernetesClusterSnapshot(worker).read();
    expect(Array.isArray(snapshot.nodes)).toBe(true);
    expect((await worker.makeApiClient(VersionApi).getCode()).gitVersion).toMatch(/^v1\./);
    const nodeClaims = new NodeClaimWatcher(
      worker,
      {
        ensureStarted: async () => undefined,
        nodeClaimDeleting: async () => undefined,
        nodeObserved: async () => undefined,
        nodeDeleting: async () => undefined,
      },
      silent
    );
    const pods = new PendingPodWatcher(worker, { podsPending: async () => undefined }, silent);
    const nodeClasses = new NodeClassController(worker, async () => null, silent);
    await Promise.all([nodeClaims.start(), pods.start(), nodeClasses.start()]);
    await Promise.all([nodeClaims.stop(), pods.stop(), nodeClasses.stop()]);

    // Writes, aimed at objects that do not exist: the API server authorises before it looks, so a 404 (which the
    // adapters treat as done) proves the permission where a 403 would throw.
    const absent = `absent-${id}`;
    const lifecycle = kubernetesLifecycle(worker);
    expect(await lifecycle.getNodeClaim(absent)).toBeUndefined();
    await lifecycle.writeNodeClaimStatus(absent, {});
    await lifecycle.deleteNodeClaim(absent);
    expect(await code(lifecycle.patchNodeClaimMetadata(absent, {}, {}))).toBe(404);
    expect(await lifecycle.getNode(absent)).toBeUndefined();
    expect(await lifecycle.findNodeByProviderID(`aws:///us-west-2a/i-${id}`)).toBeUndefined();
    await lifecycle.patchNodeLabels(absent, { a: 'b' });
    await lifecycle.deleteNode(absent);
    expect(await lifecycle.listPodsOnNode(absent)).toEqual([]);
    expect(await lifecycle.volumeAttachmentsOnNode(absent)).toEqual([]);
    expect(await lifecycle.evictPod({ namespace, name: absent, uid: id } as never)).toBe('gone');
    await lifecycle.deletePod({ namespace, name: absent, uid: id } as never, 0);

    const custom = worker.makeApiClient(CustomObjectsApi);
    expect(await kubernetesNodeClasses(custom).get(absent)).toBeUndefined();
    expect(await code(writeNodeClassStatus(custom, absent, {} as never))).toBe(404);
    expect(await code(writeNodeClassAnnotations(custom, absent, {}))).toBe(404);

    // Creating a NodeClaim, as a dry run: a real one would be launched by any worker watching the test bed.
    const nodeClaim = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodeClaim',
      metadata: { name: absent },
      spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' }, requirements: [] },
    };
    expect(await code(custom.createClusterCustomObject({ ...NODECLAIMS, body: nodeClaim, dryRun: 'All' }))).toBe('ok');

    // An Event on a pod, for real, in this test's namespace.
    await kubernetesProvisioning(worker).recordEvent(
      { pod: `${namespace}/${absent}`, uid: '', type: 'Normal', reason: 'Nominated', message: 'deploy-rbac test' },
      `${absent}.event`
    );
    const events = await core.listNamespacedEvent({ namespace });
    expect(events.items.map((e) => e.reason)).toContain('Nominated');
  });
});

describe('the IAM files on the test bed IAM emulator', () => {
  const endpoints = loadEndpoints();
  const aws = requirePart(endpoints, 'aws');
  const iam = iamClient(aws);
  const id = randomUUID().slice(0, 8);
  const vars = {
    CLUSTER_NAME: `${endpoints.clusterName}-${id}`,
    AWS_PARTITION: 'aws',
    AWS_ACCOUNT_ID: '123456789012',
    AWS_REGION: aws.region,
    OIDC_PROVIDER: `oidc.eks.${aws.region}.amazonaws.com/id/EXAMPLE${id}`,
  };
  const roles: string[] = [];
  let policyArn: string | undefined;
  afterAll(async () => {
    for (const RoleName of roles) await iam.send(new DeleteRoleCommand({ RoleName })).catch(() => undefined);
    if (policyArn) await iam.send(new DeletePolicyCommand({ PolicyArn: policyArn })).catch(() => undefined);
  });

  it('should accept the controller policy and the trust policies as documents, with the placeholders filled in', async () => {
    // moto validates the grammar (versions, actions, ARNs, condition operators); it does not evaluate conditions.
    const created = await iam.send(
      new CreatePolicyCommand({
        PolicyName: `KarpenterTemporalController-${vars.CLUSTER_NAME}`,
        PolicyDocument: readIamFile('controller-policy.json', vars),
      })
    );
    policyArn = created.Policy?.Arn;
    expect(policyArn).toBe(`arn:aws:iam::123456789012:policy/KarpenterTemporalController-${vars.CLUSTER_NAME}`);
    for (const [name, file] of [
      ['irsa', 'controller-trust-policy-irsa.json'],
      ['pod-identity', 'controller-trust-policy-pod-identity.json'],
      ['node', 'node-trust-policy.json'],
    ] as const) {
      const RoleName = `kt-${name}-${id}`;
      await iam.send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: readIamFile(file, vars) }));
      roles.push(RoleName);
    }
    expect(roles).toHaveLength(3);
    // The emulator does check: the same policy with a malformed action is refused.
    const broken = readIamFile('controller-policy.json', vars).replace(
      '"ec2:TerminateInstances"',
      '"ec2TerminateInstances"'
    );
    await expect(
      iam.send(new CreatePolicyCommand({ PolicyName: `kt-broken-${id}`, PolicyDocument: broken }))
    ).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
    // (The emulator does not load AWS's managed policies, so node-managed-policy-arns.txt is checked in unit tests.)
  });
});
