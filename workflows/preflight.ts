import { proxyActivities } from '@temporalio/workflow';
import type { PreflightActivities, PreflightReport } from '../activities/preflight.js';

const { checkKubernetes, checkCloud } = proxyActivities<PreflightActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

/** Proves a worker deployment end to end: Temporal runs it, and its activities reach Kubernetes and EC2. */
export async function preflightWorkflow(): Promise<PreflightReport> {
  const [kubernetesVersion, cloud] = await Promise.all([checkKubernetes(), checkCloud()]);
  return { kubernetesVersion, region: cloud.region, zones: cloud.zones };
}
