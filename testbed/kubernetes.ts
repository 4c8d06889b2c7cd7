import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getStatus } from './http.js';
import { ManagedProcess } from './process.js';
import { freePorts } from './ports.js';
import type { ToolPaths } from './tools.js';

export interface KubernetesEndpoints {
  version: string;
  apiServer: string;
  /** Admin kubeconfig (token in system:masters). */
  kubeconfig: string;
  /** CA bundle that signs the apiserver's serving certificate. */
  caFile: string;
  adminToken: string;
  etcd: string;
}

interface Identity {
  user: string;
  groups: string[];
}

const IDENTITIES: Record<string, Identity> = {
  admin: { user: 'kubernetes-admin', groups: ['system:masters'] },
  'kube-controller-manager': { user: 'system:kube-controller-manager', groups: [] },
  'kube-scheduler': { user: 'system:kube-scheduler', groups: [] },
};

export function writeKubeconfig(file: string, server: string, caFile: string, token: string, user = 'user'): void {
  const ca = readFileSync(caFile).toString('base64');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: testbed`,
      `  cluster: {server: "${server}", certificate-authority-data: "${ca}"}`,
      'users:',
      `- name: ${user}`,
      `  user: {token: "${token}"}`,
      'contexts:',
      `- name: testbed`,
      `  context: {cluster: testbed, user: ${user}}`,
      'current-context: testbed',
      '',
    ].join('\n'),
    { mode: 0o600 }
  );
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on loopback with per-run credentials.
 * Ready means /readyz is ok and the default ServiceAccount exists (the controller manager is doing its job).
 */
export async function startKubernetes(
  tools: ToolPaths,
  dir: string,
  started: ManagedProcess[],
  log: (msg: string) => void
): Promise<KubernetesEndpoints> {
  const pki = join(dir, 'pki');
  mkdirSync(pki, { recursive: true });
  const [etcdClient, etcdPeer, etcdMetrics, apiPort, kcmPort, schedPort] = await freePorts(6);

  // Per-run credentials: service-account signing key and bearer tokens (no openssl needed).
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const saKey = join(pki, 'sa.key');
  const saPub = join(pki, 'sa.pub');
  writeFileSync(saKey, privateKey, { mode: 0o600 });
  writeFileSync(saPub, publicKey);
  const tokens: Record<string, string> = {};
  const lines = Object.entries(IDENTITIES).map(([name, id], i) => {
    tokens[name] = randomBytes(24).toString('hex');
    return `${tokens[name]},${id.user},uid-${i},"${id.groups.join(',')}"`;
  });
  writeFileSync(join(pki, 'tokens.csv'), lines.join('\n') + '\n', { mode: 0o600 });

  // etcd's data lives in memory when /dev/shm exists: tests never need it durable.
  const etcdData = existsSync('/dev/shm')
    ? join('/dev/shm', `kt-etcd-${process.pid}-${etcdClient}`)
    : join(dir, 'etcd');
  const etcdUrl = `http://127.0.0.1:${etcdClient}`;
  log(`etcd on ${etcdUrl}`);
  const etcd = ManagedProcess.start({
    name: 'etcd',
    command: tools.etcd,
    args: [
      '--name=testbed',
      `--data-dir=${etcdData}`,
      '--unsafe-no-fsync',
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=testbed=http://127.0.0.1:${etcdPeer}`,
      `--listen-metrics-urls=http://127.0.0.1:${etcdMetrics}`,
      '--log-level=warn',
    ],
    logFile: join(dir, 'etcd.log'),
  });
  started.push(etcd);
  await etcd.waitReady(async () => (await getStatus(`${etcdUrl}/readyz`)) === 200, 30_000);

  const apiServer = `https://127.0.0.1:${apiPort}`;
  log(`kube-apiserver ${tools.kubeVersion} on ${apiServer}`);
  const apiserver = ManagedProcess.start({
    name: 'kube-apiserver',
    command: tools.kubeApiserver,
    args: [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--token-auth-file=${join(pki, 'tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      // The kubernetes Service would point at a loopback address, which Endpoints validation refuses.
      '--endpoint-reconciler-type=none',
      '--v=1',
    ],
    logFile: join(dir, 'kube-apiserver.log'),
  });
  started.push(apiserver);
  const caFile = join(pki, 'apiserver.crt');
  await apiserver.waitReady(async () => {
    if (!existsSync(caFile)) return false;
    return (await getStatus(`${apiServer}/readyz`, { ca: readFileSync(caFile, 'utf8'), token: tokens.admin })) === 200;
  }, 90_000);

  const kubeconfig = join(dir, 'kubeconfig');
  writeKubeconfig(kubeconfig, apiServer, caFile, tokens.admin!, 'admin');
  const kcmConfig = join(dir, 'kube-controller-manager.kubeconfig');
  writeKubeconfig(kcmConfig, apiServer, caFile, tokens['kube-controller-manager']!, 'kube-controller-manager');
  const schedConfig = join(dir, 'kube-scheduler.kubeconfig');
  writeKubeconfig(schedConfig, apiServer, caFile, tokens['kube-scheduler']!, 'kube-scheduler');

  log(`kube-controller-manager and kube-scheduler`);
  const kcm = ManagedProcess.start({
    name: 'kube-controller-manager',
    command: tools.kubeControllerManager,
    args: [
      `--kubeconfig=${kcmConfig}`,
      `--authentication-kubeconfig=${kcmConfig}`,
      `--authorization-kubeconfig=${kcmConfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(dir, 'kcm-pki')}`,
      `--service-account-private-key-file=${saKey}`,
      `--root-ca-file=${caFile}`,
      // Each controller acts with its own ServiceAccount, as in a real cluster.
      '--use-service-account-credentials=true',
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--v=1',
    ],
    logFile: join(dir, 'kube-controller-manager.log'),
  });
  started.push(kcm);
  const scheduler = ManagedProcess.start({
    name: 'kube-scheduler',
    command: tools.kubeScheduler,
    args: [
      `--kubeconfig=${schedConfig}`,
      `--authentication-kubeconfig=${schedConfig}`,
      `--authorization-kubeconfig=${schedConfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${schedPort}`,
      `--cert-dir=${join(dir, 'scheduler-pki')}`,
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--v=1',
    ],
    logFile: join(dir, 'kube-scheduler.log'),
  });
  started.push(scheduler);
  const ca = readFileSync(caFile, 'utf8');
  await Promise.all([
    kcm.waitReady(async () => {
      if ((await getStatus(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true })) !== 200) return false;
      const sa = await getStatus(`${apiServer}/api/v1/namespaces/default/serviceaccounts/default`, {
        ca,
        token: tokens.admin,
      });
      return sa === 200;
    }, 60_000),
    scheduler.waitReady(
      async () => (await getStatus(`https://127.0.0.1:${schedPort}/readyz`, { insecure: true })) === 200,
      60_000
    ),
  ]);
  return { version: tools.kubeVersion, apiServer, kubeconfig, caFile, adminToken: tokens.admin!, etcd: etcdUrl };
}
