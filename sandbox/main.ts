// The sandbox: the seed's demo end to end on one machine, on real parts. It brings up the test bed with the
// Temporal UI, applies the seed's Provisioner converted to a NodePool + EC2NodeClass, starts a worker, deploys the
// seed's nginx (10 replicas) and shows it live: pods pending -> NodeClaims launched -> nodes Ready -> pods Running.
// Then it prints a summary and keeps running for exploration until Ctrl-C (`--once`: exit with the demo's status).
// `--provider kwok`: the same demo on the kwok cloud provider (a KWOKNodeClass, no EC2 emulator or kubelet bridge).
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand } from '@aws-sdk/client-iam';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Client, Connection } from '@temporalio/client';
import { convertProvisioner } from '../cli/convert.js';
import { genericInstanceTypeOptions } from '../adapters/kwok/instancetypes.js';
import { iamClient, kubeConfigFor } from '../testbed/clients.js';
import { requirePart } from '../testbed/endpoints.js';
import { startTestbed } from '../testbed/index.js';
import { freePorts } from '../testbed/ports.js';
import { startWorkerProcess } from '../testbed/worker-process.js';
import { watchDemo, type DemoSummary } from './progress.js';
import {
  collectTimeline,
  historyLines,
  percentile,
  ProvisioningWatch,
  stageTable,
  waitForWarmCatalogue,
} from '../bench/provisioning-timeline.js';
import { watchScaleDown, type ScaleDownSummary } from './scale-down.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const once = process.argv.includes('--once');
const providerArg = process.argv.indexOf('--provider');
const provider = providerArg >= 0 ? process.argv[providerArg + 1] : 'aws';
if (provider !== 'aws' && provider !== 'kwok') {
  process.stderr.write(`--provider must be aws or kwok, not ${String(provider)}\n`);
  process.exit(2);
}
const kwok = provider === 'kwok';
/** The kwok catalogue's shapes of the seed's m5.large (2 vCPU, 8 GiB) and m5.xlarge (4 vCPU, 16 GiB). */
const KWOK_TYPE_FOR: Record<string, string> = { 'm5.large': 's-2x-amd64-linux', 'm5.xlarge': 's-4x-amd64-linux' };
const timeoutMs = 5 * 60_000;

const say = (line: string): void => void process.stdout.write(`${line}\n`);
const started = Date.now();
const stamp = (): string => `[sandbox +${((Date.now() - started) / 1000).toFixed(1)}s]`;

say(
  kwok
    ? `${stamp()} bringing up the test bed (Temporal with UI, Kubernetes ${'1.34'}, kwok; the kwok provider needs no EC2 emulator)`
    : `${stamp()} bringing up the test bed (Temporal with UI, Kubernetes ${'1.34'}, kwok, EC2 emulator, kubelet bridge)`
);
const testbed = await startTestbed({
  ui: true,
  log: (m) => say(m),
  ...(kwok ? { parts: ['temporal', 'kubernetes', 'kwok'] as const } : {}),
});
let stopping = false;
const shutdown = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    say(`${stamp()} stopping the worker and the test bed`);
    await worker?.process.stop().catch(() => undefined);
    await testbed.stop();
  }
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

const endpoints = testbed.endpoints;
const temporal = requirePart(endpoints, 'temporal');
const kc = kubeConfigFor(requirePart(endpoints, 'kubernetes'));
let worker: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;

/** Provisioning's reaction time, per pod from the moment it was seen Unschedulable (bench/provisioning-timeline.ts). */
async function reactionReport(watch: ProvisioningWatch, workerLog: string): Promise<string> {
  const connection = await Connection.connect({ address: temporal.address });
  try {
    const { pods } = await collectTimeline({
      client: new Client({ connection, namespace: temporal.namespace }),
      provisionerId: `provisioner/${endpoints.clusterName}`,
      workerLog,
      watch,
    });
    const p50 = (stage: 'NodeClaim object created' | 'CreateFleet called'): string => {
      const values = pods.map((p) => p.at[stage]).filter((v): v is number => v !== undefined);
      return values.length
        ? `${(percentile(values, 50) / 1000).toFixed(2)} s (p50 over ${values.length} pods)`
        : 'not reached';
    };
    const client = new Client({ connection, namespace: temporal.namespace });
    const first = pods.find((p) => p.nodeClaim)?.nodeClaim;
    // KT_SANDBOX_HISTORY=1: the first NodeClaim workflow's history with event times, to look into its first steps.
    const history =
      process.env.KT_SANDBOX_HISTORY === '1' && first
        ? ['', ...(await historyLines(client, `nodeclaim/${first}`))]
        : [];
    return [
      'Provisioning reaction time, from each pod seen Unschedulable:',
      `  pending → first NodeClaim    ${p50('NodeClaim object created')}`,
      `  pending → first CreateFleet  ${p50('CreateFleet called')}`,
      '',
      stageTable(pods),
      ...history,
    ].join('\n');
  } catch (err) {
    return `Provisioning reaction time: not measured (${(err as Error).message})`;
  } finally {
    await connection.close();
  }
}

try {
  // The seed's Provisioner and karpenter ConfigMap, converted as a user would (`karpenter-temporal convert`).
  const provisioner = parse(readFileSync(join(REPO, 'examples/seed/provisioner.yaml'), 'utf8')) as unknown;
  const configMap = parse(readFileSync(join(REPO, 'examples/seed/karpenter-global-settings.yaml'), 'utf8')) as unknown;
  const converted = convertProvisioner(provisioner, configMap);
  const forSandbox = (doc: Record<string, unknown>): Record<string, unknown> =>
    JSON.parse(
      JSON.stringify(doc)
        .replaceAll('your-cluster-name', endpoints.clusterName)
        .replaceAll('your-instance-profile', `KarpenterNodeInstanceProfile-${endpoints.clusterName}`)
    ) as Record<string, unknown>;
  let nodeClass: Record<string, unknown>;
  const nodePool = forSandbox(converted.nodePool);
  if (kwok) {
    // The same NodePool on the kwok provider: its KWOKNodeClass, and the kwok types of the seed's two shapes.
    nodeClass = { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'default' } };
    const spec = (nodePool as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec;
    spec['nodeClassRef'] = { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' };
    for (const r of spec['requirements'] as { key: string; values?: string[] }[]) {
      if (r.key === 'node.kubernetes.io/instance-type') r.values = r.values?.map((v) => KWOK_TYPE_FOR[v] ?? v);
    }
    say(
      `${stamp()} converted the seed's Provisioner: NodePool "default" (on-demand) on KWOKNodeClass "default", m5.large and m5.xlarge as their kwok shapes ${Object.values(KWOK_TYPE_FOR).join(', ')}`
    );
  } else {
    const ec2NodeClass = forSandbox(converted.ec2NodeClass) as { spec: { amiSelectorTerms: unknown[] } };
    // EKS publishes no AL2 AMIs for Kubernetes 1.33+ (convert says so too): the sandbox runs 1.34, so AL2023.
    ec2NodeClass.spec.amiSelectorTerms = [{ alias: 'al2023@latest' }];
    nodeClass = ec2NodeClass as unknown as Record<string, unknown>;
    say(
      `${stamp()} converted the seed's Provisioner: NodePool "default" (m5.large, m5.xlarge; on-demand) + EC2NodeClass "default" (AMI alias al2023@latest: EKS has no AL2 AMIs for 1.34)`
    );

    // The instance profile the seed names, with the node role the test bed created.
    const aws = requirePart(endpoints, 'aws');
    const iam = iamClient(aws);
    const profile = `KarpenterNodeInstanceProfile-${endpoints.clusterName}`;
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: profile })).catch(() => undefined);
    await iam
      .send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profile, RoleName: aws.nodeRole }))
      .catch(() => undefined);
  }

  const objects = KubernetesObjectApi.makeApiClient(kc);
  for (const doc of [nodeClass, nodePool]) {
    await objects.patch(
      doc as never,
      undefined,
      undefined,
      'karpenter-temporal-sandbox',
      true,
      PatchStrategy.ServerSideApply
    );
  }

  say(`${stamp()} starting a karpenter-temporal worker`);
  // The whole autoscaler: provisioning, and the disruption loop with garbage collection.
  worker = await startWorkerProcess(endpoints, {
    taskQueue: 'karpenter-temporal',
    env: {
      KT_PROVISION: 'true',
      KT_DISRUPT: 'true',
      KT_SDK_METRICS_PORT: String((await freePorts(1))[0]),
      ...(kwok ? { KT_CLOUD_PROVIDER: 'kwok' } : {}),
    },
  });

  // A burst meets a running autoscaler: its EC2NodeClass resolved and its instance-type catalogue loaded.
  const warm = await waitForWarmCatalogue(worker.logFile);
  say(
    `${stamp()} ${warm ? `the worker loaded its instance-type catalogue (${warm.types} types in ${(warm.ms / 1000).toFixed(1)} s)` : 'the worker did not load its instance-type catalogue within 2 min'}`
  );

  const deployment = parseAllDocuments(
    readFileSync(join(REPO, 'examples/simulate/nginx-deployment.yaml'), 'utf8')
  )[0]!.toJS() as never;
  const reaction = new ProvisioningWatch(kc, 'default', 'app=nginx');
  await reaction.start();
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: 'default', body: deployment });
  say(`${stamp()} deployed nginx: 10 replicas requesting 500m CPU and 512Mi each (more than one node's worth)`);

  const summary: DemoSummary = await watchDemo({
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    app: 'nginx',
    namespace: 'default',
    replicas: 10,
    ...(kwok
      ? {
          prices: Object.fromEntries(
            genericInstanceTypeOptions().map((t) => [
              t.name,
              t.offerings.find((o) => o.capacityType === 'on-demand')?.price ?? 0,
            ])
          ),
          priceSource: "the kwok provider's synthetic catalogue",
        }
      : {
          prices: JSON.parse(readFileSync(requirePart(endpoints, 'aws').onDemandPricesFile, 'utf8')) as Record<
            string,
            number
          >,
        }),
    timeoutMs,
    say: (line) => say(`${stamp()} ${line}`),
  });

  say('');
  say(summary.report);
  say('');
  reaction.stop();
  say(await reactionReport(reaction, worker.logFile));
  say('');

  // Part two: the workload shrinks and the disruption loop removes what is no longer needed.
  let scaledDown: ScaleDownSummary = { ok: false, report: 'skipped: the demo did not complete' };
  if (summary.ok) {
    const connection = await Connection.connect({ address: temporal.address });
    try {
      scaledDown = await watchScaleDown({
        core: kc.makeApiClient(CoreV1Api),
        apps: kc.makeApiClient(AppsV1Api),
        custom: kc.makeApiClient(CustomObjectsApi),
        temporal: new Client({ connection, namespace: temporal.namespace }),
        clusterName: endpoints.clusterName,
        nodePool: 'default',
        app: 'nginx',
        namespace: 'default',
        replicas: 3,
        consolidateAfter: '10s',
        timeoutMs,
        say: (line) => say(`${stamp()} ${line}`),
      });
    } finally {
      await connection.close();
    }
    say('');
    say(scaledDown.report);
    say('');
  }

  const ui = temporal.ui!;
  const query = encodeURIComponent('WorkflowType = "nodeClaimWorkflow"');
  say('Explore:');
  say(`  Temporal UI, NodeClaim workflows   ${ui}/namespaces/${temporal.namespace}/workflows?query=${query}`);
  say(
    `  Temporal UI, the provisioner       ${ui}/namespaces/${temporal.namespace}/workflows/provisioner%2F${endpoints.clusterName}`
  );
  say(
    `  Temporal UI, the disruption loop   ${ui}/namespaces/${temporal.namespace}/workflows/disruption%2F${endpoints.clusterName}`
  );
  say(
    `  disruption decisions               TEMPORAL_ADDRESS=${temporal.address} npm run cli -- disruption status --cluster ${endpoints.clusterName}`
  );
  say(`  kubectl                            export KUBECONFIG=${requirePart(endpoints, 'kubernetes').kubeconfig}`);
  say(`  CLI                                TEMPORAL_ADDRESS=${temporal.address} npm run cli -- status`);
  say(`  Prometheus metrics                 curl -s ${worker.metricsUrl} | grep ^karpenter_`);
  say(`  logs                               ${endpoints.dir}`);
  if (once) await shutdown(summary.ok && scaledDown.ok ? 0 : 1);
  say('');
  say(
    summary.ok
      ? 'The demo completed. Everything keeps running for you to explore; Ctrl-C stops it.'
      : 'The demo did not complete; see above. Ctrl-C stops everything.'
  );
} catch (err) {
  say(`${stamp()} the sandbox failed: ${(err as Error).message}`);
  await shutdown(1);
}
setInterval(() => undefined, 1 << 30);
