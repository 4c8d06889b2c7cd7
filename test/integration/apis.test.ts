import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

import { renderCrds } from '../../apis/crds/generate.js';
import { safeParseKarpenterObject } from '../../apis/index.js';
import { Quantity } from '../../core/resources/index.js';
import { convertProvisioner } from '../../cli/convert.js';
import { loadEndpoints, requirePart } from '../../testbed/endpoints.js';
import type { KubernetesEndpoints } from '../../testbed/kubernetes.js';
import {
  loadInvalidFixtures,
  loadKarpenterExamples,
  loadYamlObjects,
  namesField,
  SEED_DIR,
  V1ALPHA5_DIR,
} from '../fixtures/load.js';

// Raw HTTPS rather than @kubernetes/client-node: the generic object API cannot ask for fieldValidation=Strict, and
// unknown fields must be rejected (as `kubectl apply --validate=strict` does), not silently pruned.
interface Response {
  status: number;
  body: Record<string, unknown>;
}

let kubernetes: KubernetesEndpoints;
let ca: string;

function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
  const url = new URL(path, kubernetes.apiServer);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca,
        headers: {
          authorization: `Bearer ${kubernetes.adminToken}`,
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
          });
        });
      }
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

const RESOURCES: Record<string, string> = {
  NodePool: '/apis/karpenter.sh/v1/nodepools',
  NodeClaim: '/apis/karpenter.sh/v1/nodeclaims',
  EC2NodeClass: '/apis/karpenter.k8s.aws/v1/ec2nodeclasses',
};

function collection(object: Record<string, unknown>): string {
  const path = RESOURCES[String(object['kind'])];
  if (path === undefined) throw new Error(`no resource for kind ${String(object['kind'])}`);
  return path;
}

/** Creates the object; `dryRun` runs the full validation chain (schema, CEL, admission) without persisting. */
function create(object: Record<string, unknown>, options: { dryRun?: boolean } = {}): Promise<Response> {
  const query = `fieldValidation=Strict${options.dryRun === true ? '&dryRun=All' : ''}`;
  return call('POST', `${collection(object)}?${query}`, object);
}

function named(object: Record<string, unknown>, name: string): Record<string, unknown> {
  return { ...object, metadata: { ...(object['metadata'] as Record<string, unknown>), name } };
}

const created: { path: string }[] = [];
let suffix = 0;
/** A fresh name per object: the test bed is shared by every integration suite of the run. */
function uniqueName(base: string): string {
  suffix += 1;
  return `apis-${base}-${process.pid}-${suffix}`.toLowerCase().slice(0, 63);
}

async function createForReal(object: Record<string, unknown>): Promise<Response> {
  const response = await create(object);
  if (response.status === 201) {
    created.push({ path: `${collection(object)}/${(response.body['metadata'] as { name: string }).name}` });
  }
  return response;
}

beforeAll(async () => {
  kubernetes = requirePart(loadEndpoints(), 'kubernetes');
  ca = readFileSync(kubernetes.caFile, 'utf8');
  // Server-side apply with force: idempotent, and safe when another suite installs the same CRDs.
  for (const [file, text] of renderCrds()) {
    const crd = loadYamlObjects(text)[0] as { metadata: { name: string } };
    const response = await call(
      'PATCH',
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}?fieldManager=karpenter-temporal-apis-test&force=true`,
      crd,
      'application/apply-patch+yaml'
    );
    if (response.status >= 300) throw new Error(`installing ${file}: ${JSON.stringify(response.body)}`);
  }
  for (const path of Object.values(RESOURCES)) {
    const deadline = Date.now() + 30_000;
    // Established means the apiserver serves the new resource; poll its discovery rather than sleep a fixed time.
    while ((await call('GET', `${path}?limit=1`)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`${path} was not served within 30s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
});

afterAll(async () => {
  for (const { path } of created.reverse()) await call('DELETE', path);
});

describe('Karpenter v1 APIs on the real kube-apiserver', () => {
  it('should install the three CRDs as Established with the status subresource', async () => {
    for (const name of ['nodepools.karpenter.sh', 'nodeclaims.karpenter.sh', 'ec2nodeclasses.karpenter.k8s.aws']) {
      const response = await call('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      expect(response.status).toBe(200);
      const status = response.body['status'] as { conditions: { type: string; status: string }[] };
      expect(status.conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }));
      const versions = (response.body['spec'] as { versions: { subresources: Record<string, unknown> }[] }).versions;
      expect(versions[0]?.subresources).toHaveProperty('status');
    }
  });

  const invalid = loadInvalidFixtures();
  it.each(invalid.map((fixture) => [fixture.name, fixture] as const))(
    'should reject %s on the apiserver naming the field, as the runtime parser does',
    async (_name, fixture) => {
      const response = await create(fixture.object, { dryRun: true });
      const message = String(response.body['message']);
      expect({ status: response.status, message }).toEqual({
        status: expect.any(Number),
        message: expect.stringContaining(fixture.field),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);

      const runtime = safeParseKarpenterObject(fixture.object);
      expect(runtime.success).toBe(false);
      if (!runtime.success)
        expect(runtime.error.issues.some((issue) => namesField(issue.field, fixture.field))).toBe(true);
    }
  );

  // Generated NodePools around the rules most likely to drift apart (restricted keys, operators, values, minValues,
  // budgets): the apiserver (CEL + OpenAPI) and the runtime parser must agree on accept/reject for every one.
  it('should reach the same verdict as the runtime parser on generated NodePools', async () => {
    const KEYS = [
      'kubernetes.io/arch',
      'beta.kubernetes.io/os',
      'kubernetes.io/hostname',
      'node-role.kubernetes.io/worker',
      'node.kubernetes.io/instance-type',
      'karpenter.sh/nodepool',
      'karpenter.sh/capacity-type',
      'karpenter.sh/other',
      'karpenter.k8s.aws/instance-cpu',
      'karpenter.k8s.aws/other',
      'kops.k8s.io/instancegroup',
      'storage.k8s.io/x',
      'example.com/team',
    ];
    const requirement = fc.record(
      {
        key: fc.constantFrom(...KEYS),
        operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Gte', 'Lte'),
        values: fc.array(fc.constantFrom('0', '4', '-1', '07', 'amd64', 'a b', ''), { maxLength: 3 }),
        minValues: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ['key', 'operator'] }
    );
    const budget = fc.record(
      {
        nodes: fc.constantFrom('10%', '100%', '101%', '0', '5', 'x'),
        schedule: fc.constantFrom('@daily', '0 9 * * mon-fri', 'soon'),
        duration: fc.constantFrom('1h', '30m', '1h30m', '10s'),
        reasons: fc.array(fc.constantFrom('Empty', 'Drifted', 'Underutilized', 'Expired'), { maxLength: 2 }),
      },
      { requiredKeys: [] }
    );
    const nodePool = fc.record({
      requirements: fc.array(requirement, { maxLength: 3 }),
      budgets: fc.option(fc.array(budget, { maxLength: 2 }), { nil: undefined }),
      weight: fc.option(fc.integer({ min: -1, max: 101 }), { nil: undefined }),
      labels: fc.option(fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom('a', 'b c')), { nil: undefined }),
    });
    const verdicts = { accepted: 0, rejected: 0 };
    await fc.assert(
      fc.asyncProperty(nodePool, async ({ requirements, budgets, weight, labels }) => {
        const object = {
          apiVersion: 'karpenter.sh/v1',
          kind: 'NodePool',
          metadata: { name: 'generated' },
          spec: {
            template: {
              ...(labels === undefined ? {} : { metadata: { labels } }),
              spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'x' }, requirements },
            },
            ...(budgets === undefined ? {} : { disruption: { budgets } }),
            ...(weight === undefined ? {} : { weight }),
          },
        };
        const apiserver = await create(object, { dryRun: true });
        const runtime = safeParseKarpenterObject(object);
        verdicts[runtime.success ? 'accepted' : 'rejected'] += 1;
        expect({ object, apiserverAccepted: apiserver.status === 201, message: apiserver.body['message'] }).toEqual({
          object,
          apiserverAccepted: runtime.success,
          message: runtime.success ? undefined : expect.anything(),
        });
      }),
      { numRuns: 150, seed: 20261127 }
    );
    // A generator that only ever produced invalid (or valid) objects would prove nothing.
    expect(verdicts.accepted).toBeGreaterThan(5);
    expect(verdicts.rejected).toBeGreaterThan(5);
  });

  const examples = loadKarpenterExamples();
  it.each(examples.map((entry) => [entry.file, entry.object] as const))(
    'should apply %s and read it back with the same defaults the runtime parser fills in',
    async (file, object) => {
      const body = named(object, uniqueName(file.replace(/\.yaml$/, '')));
      const response = await createForReal(body);
      expect({ status: response.status, message: response.body['message'] }).toEqual({
        status: 201,
        message: undefined,
      });
      const readBack = await call('GET', `${collection(body)}/${(body['metadata'] as { name: string }).name}`);
      const runtime = safeParseKarpenterObject(body);
      if (!runtime.success) throw runtime.error;
      expect(readBack.body['spec']).toEqual(runtime.data.spec);
    }
  );

  it('should fill in the documented defaults on a minimal NodePool and EC2NodeClass', async () => {
    const nodePool = await createForReal({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: uniqueName('minimal') },
      spec: {
        template: {
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'default' },
            requirements: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }],
          },
        },
      },
    });
    expect(nodePool.status).toBe(201);
    const spec = nodePool.body['spec'] as { template: { spec: { expireAfter: string } }; disruption: unknown };
    expect(spec.template.spec.expireAfter).toBe('720h');
    expect(spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '0s',
      budgets: [{ nodes: '10%' }],
    });

    const nodeClass = await createForReal(
      named(examples.find((entry) => entry.file === 'ec2nodeclass-getting-started.yaml')!.object, uniqueName('imds'))
    );
    expect((nodeClass.body['spec'] as { metadataOptions: unknown }).metadataOptions).toEqual({
      httpEndpoint: 'enabled',
      httpProtocolIPv6: 'disabled',
      httpPutResponseHopLimit: 1,
      httpTokens: 'required',
    });
  });

  it('should refuse to change a NodeClaim spec (spec is immutable)', async () => {
    const nodeClaim = examples.find((entry) => entry.file === 'nodeclaim.yaml')!.object;
    const first = await createForReal(named(nodeClaim, uniqueName('immutable')));
    expect(first.status).toBe(201);
    const changed = structuredClone(first.body) as { spec: { expireAfter: string }; metadata: { name: string } };
    changed.spec.expireAfter = '1h';
    const update = await call('PUT', `${RESOURCES['NodeClaim']}/${changed.metadata.name}`, changed);
    expect(update.status).toBe(422);
    expect(String(update.body['message'])).toContain('spec is immutable');
  });

  it('should refuse to change a NodePool nodeClassRef kind or to make a dynamic NodePool static', async () => {
    const nodePool = examples.find((entry) => entry.file === 'nodepool-getting-started.yaml')!.object;
    const first = await createForReal(named(nodePool, uniqueName('transitions')));
    expect(first.status).toBe(201);
    const path = `${RESOURCES['NodePool']}/${(first.body['metadata'] as { name: string }).name}`;

    const otherKind = structuredClone(first.body) as {
      spec: { template: { spec: { nodeClassRef: { kind: string } } } };
    };
    otherKind.spec.template.spec.nodeClassRef.kind = 'OtherNodeClass';
    const kindChange = await call('PUT', path, otherKind);
    expect({ status: kindChange.status, message: String(kindChange.body['message']) }).toEqual({
      status: 422,
      message: expect.stringContaining('nodeClassRef.kind is immutable'),
    });

    const madeStatic = structuredClone(first.body) as { spec: Record<string, unknown> };
    madeStatic.spec['replicas'] = 2;
    const staticChange = await call('PUT', path, madeStatic);
    expect({ status: staticChange.status, message: String(staticChange.body['message']) }).toEqual({
      status: 422,
      message: expect.stringContaining('cannot change a NodePool between static and dynamic'),
    });

    const renamed = structuredClone(first.body) as { spec: { template: { spec: { nodeClassRef: { name: string } } } } };
    renamed.spec.template.spec.nodeClassRef.name = 'another';
    expect((await call('PUT', path, renamed)).status).toBe(200);
  });

  it('should refuse to switch an EC2NodeClass from instanceProfile to role', async () => {
    const nodeClass = examples.find((entry) => entry.file === 'ec2nodeclass-bottlerocket.yaml')!.object;
    const first = await createForReal(named(nodeClass, uniqueName('profile')));
    expect(first.status).toBe(201);
    const changed = structuredClone(first.body) as { spec: Record<string, unknown>; metadata: { name: string } };
    delete changed.spec['instanceProfile'];
    changed.spec['role'] = 'KarpenterNodeRole-my-cluster';
    const update = await call('PUT', `${RESOURCES['EC2NodeClass']}/${changed.metadata.name}`, changed);
    expect(update.status).toBe(422);
    expect(String(update.body['message'])).toContain("changing from 'instanceProfile' to 'role' is not supported");
  });

  it('should apply what convert writes for the seed and for a Provisioner using every field', async () => {
    const [provisioner] = loadYamlObjects(readFileSync(`${SEED_DIR}/provisioner.yaml`, 'utf8'));
    const [configMap] = loadYamlObjects(readFileSync(`${SEED_DIR}/karpenter-global-settings.yaml`, 'utf8'));
    const [rich] = loadYamlObjects(readFileSync(`${V1ALPHA5_DIR}/provisioner-all-fields.yaml`, 'utf8'));
    const [flat] = loadYamlObjects(readFileSync(`${V1ALPHA5_DIR}/karpenter-global-settings-flat.yaml`, 'utf8'));
    const seed = convertProvisioner(provisioner, configMap);
    const everyField = convertProvisioner(rich, flat);
    for (const object of [seed.ec2NodeClass, seed.nodePool, everyField.ec2NodeClass, everyField.nodePool]) {
      const response = await createForReal(named(object, uniqueName(String(object['kind']))));
      expect({ status: response.status, message: response.body['message'] }).toEqual({
        status: 201,
        message: undefined,
      });
    }
  });
});

describe('resource quantities against apimachinery', () => {
  // The apiserver parses built-in Quantity fields with apimachinery and answers in canonical form, so a dry-run
  // ResourceQuota is an oracle for core/resources: same verdict, same canonical string, for generated inputs.
  // Core ResourceLists are rounded up to milli on the way in (SetDefaults_ResourceList), hence roundUp(-3).
  it('should parse and canonicalise quantities exactly as the apiserver does', async () => {
    const quantity = fc
      .tuple(
        fc.constantFrom('', '+', '0', '00'),
        fc.bigInt({ min: 0n, max: 10n ** 13n }),
        fc.option(fc.stringMatching(/^[0-9]{0,11}$/), { nil: undefined }),
        fc.constantFrom('', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'Ki', 'Mi', 'Gi', 'Ti', 'e3', 'e-4', 'E2', 'e0')
      )
      .map(
        ([sign, whole, fraction, suffix]) => `${sign}${whole}${fraction === undefined ? '' : `.${fraction}`}${suffix}`
      );
    const oddities = [
      '0.9Gi',
      '1.5Gi',
      '0.30000000000000004',
      '0.000000000001Ki',
      '1e-10',
      '1024Ki',
      '.5',
      '1.',
      '0',
      '0.0',
    ];
    const inputs = [...oddities, ...fc.sample(quantity, { numRuns: 120, seed: 20261127 })];
    for (const input of inputs) {
      const response = await call('POST', '/api/v1/namespaces/default/resourcequotas?dryRun=All', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'quantity-oracle' },
        spec: { hard: { cpu: input } },
      });
      const apiserver =
        response.status === 201 ? (response.body['spec'] as { hard: { cpu: string } }).hard.cpu : undefined;
      const ours = Quantity.tryParse(input)?.roundUp(-3).toString();
      expect({ input, canonical: ours }).toEqual({ input, canonical: apiserver });
    }
  });
});
