import { readFileSync } from 'node:fs';
import type { AwsEndpoints } from './moto.js';
import type { KubernetesEndpoints } from './kubernetes.js';
import type { TemporalEndpoints } from './temporal.js';

/** Everything a client of the test bed needs, written to `<run dir>/testbed.json`. */
export interface TestbedEndpoints {
  dir: string;
  clusterName: string;
  temporal?: TemporalEndpoints;
  kubernetes?: KubernetesEndpoints;
  aws?: AwsEndpoints & {
    vpcId: string;
    subnets: { id: string; zone: string }[];
    securityGroupId: string;
    nodeRole: string;
    /** The emulator's on-demand price table (JSON {instanceType: USD/h}); there is no Pricing API to ask. */
    onDemandPricesFile: string;
  };
  /** The kubelet bridge's control API (GET/POST /settings). */
  bridge?: { control: string };
  /** pid of every process the test bed started, for `testbed down` and for tests that check teardown. */
  pids: Record<string, number>;
}

export const TESTBED_FILE_ENV = 'KT_TESTBED_FILE';

/** The endpoints of the running test bed (Jest global setup exports the file's path in KT_TESTBED_FILE). */
export function loadEndpoints(file = process.env[TESTBED_FILE_ENV]): TestbedEndpoints {
  if (!file)
    throw new Error(`${TESTBED_FILE_ENV} is not set: start the test bed (npm run testbed -- up) or run through jest`);
  return JSON.parse(readFileSync(file, 'utf8')) as TestbedEndpoints;
}

export function requirePart<K extends 'temporal' | 'kubernetes' | 'aws' | 'bridge'>(
  endpoints: TestbedEndpoints,
  part: K
): NonNullable<TestbedEndpoints[K]> {
  const value = endpoints[part];
  if (!value) throw new Error(`the test bed was started without its ${part} part`);
  return value as NonNullable<TestbedEndpoints[K]>;
}
