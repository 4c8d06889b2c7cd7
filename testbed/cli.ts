// `npm run testbed -- up [--parts temporal,kubernetes,...] [--ui]`: brings the test bed up, prints every
// endpoint, and keeps it running until Ctrl-C, then stops exactly what it started.
import { ALL_PARTS, startTestbed, type Part } from './index.js';

function usage(): never {
  process.stderr.write(`usage: npm run testbed -- up [--parts ${ALL_PARTS.join(',')}] [--ui]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args[0] !== 'up') usage();
const partsArg = args.indexOf('--parts');
const parts = partsArg >= 0 ? (args[partsArg + 1]?.split(',') as Part[] | undefined) : undefined;
if (parts?.some((p) => !ALL_PARTS.includes(p))) usage();

const testbed = await startTestbed({ ...(parts ? { parts } : {}), ui: args.includes('--ui') });
const e = testbed.endpoints;
const lines = [
  '',
  'Test bed is up. Everything listens on 127.0.0.1 only.',
  e.temporal && `  Temporal            ${e.temporal.address} (namespace ${e.temporal.namespace})`,
  e.temporal?.ui && `  Temporal UI         ${e.temporal.ui}`,
  e.kubernetes && `  kube-apiserver      ${e.kubernetes.apiServer} (Kubernetes v${e.kubernetes.version})`,
  e.kubernetes && `  kubeconfig          ${e.kubernetes.kubeconfig}`,
  e.aws &&
    `  AWS endpoint        ${e.aws.endpoint} (region ${e.aws.region}, EC2/SSM/SQS/IAM; credentials testing/testing)`,
  e.aws && `  AWS control         ${e.aws.control} (/ice, /faults, /spot-prices, /reset)`,
  e.aws && `  VPC                 ${e.aws.vpcId}, subnets ${e.aws.subnets.map((s) => `${s.id}(${s.zone})`).join(' ')}`,
  e.bridge && `  kubelet bridge      ${e.bridge.control}/settings`,
  `  endpoints file      ${testbed.file}   (export KT_TESTBED_FILE=${testbed.file})`,
  `  logs                ${e.dir}`,
  '',
  'Ctrl-C stops it.',
].filter(Boolean);
process.stdout.write(lines.join('\n') + '\n');

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  process.stderr.write('stopping the test bed...\n');
  void testbed.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
setInterval(() => undefined, 1 << 30);
