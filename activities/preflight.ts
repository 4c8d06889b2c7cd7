import { ApplicationFailure } from '@temporalio/common';

/** What the preflight needs from the cluster: just enough to prove the worker can reach the API server. */
export interface ClusterInfoPort {
  serverVersion(): Promise<string>;
}

/** What the preflight needs from the cloud: the zones the worker can see in its region. */
export interface CloudZonesPort {
  region(): Promise<string>;
  zones(): Promise<string[]>;
}

export interface PreflightReport {
  kubernetesVersion: string;
  region: string;
  zones: string[];
}

/**
 * Activities that check a worker's reach before it manages nodes: the Kubernetes API and the EC2 API answer.
 * A failure is non-retryable with a stable type, so a misconfigured worker says so at once instead of retrying.
 */
export function createPreflightActivities(deps: { cluster: ClusterInfoPort; cloud: CloudZonesPort }) {
  return {
    async checkKubernetes(): Promise<string> {
      try {
        return await deps.cluster.serverVersion();
      } catch (err) {
        throw ApplicationFailure.nonRetryable(
          `kubernetes API unreachable: ${(err as Error).message}`,
          'KubernetesUnreachable'
        );
      }
    },
    async checkCloud(): Promise<{ region: string; zones: string[] }> {
      try {
        return { region: await deps.cloud.region(), zones: await deps.cloud.zones() };
      } catch (err) {
        throw ApplicationFailure.nonRetryable(`EC2 API unreachable: ${(err as Error).message}`, 'CloudUnreachable');
      }
    },
  };
}

export type PreflightActivities = ReturnType<typeof createPreflightActivities>;
