import type { CloudProvider } from '../../core/cloudprovider/cloudprovider.js';

/** Where the decorator reports each call: method, provider, seconds, and the error's `type` when it failed. */
export interface CloudProviderMetrics {
  observe(method: string, provider: string, seconds: number, errorType?: string): void;
}

const METHODS = ['create', 'delete', 'get', 'list', 'getInstanceTypes', 'isDrifted'] as const;

/** The `type` of the port's typed errors (NodeClaimNotFoundError, InsufficientCapacityError, ...), else the class. */
function errorType(err: unknown): string {
  const type = (err as { type?: unknown } | null)?.type;
  if (typeof type === 'string') return type;
  return err instanceof Error ? err.name : 'unknown';
}

/**
 * Wraps a CloudProvider so every call is timed and every error counted (Karpenter's `metrics.Decorate`). The
 * result is the same provider in every other respect: its other methods (e.g. the AWS provider's tagging) are
 * reached through the prototype chain, so callers keep the concrete type.
 */
export function withCloudProviderMetrics<T extends CloudProvider>(
  cloud: T,
  metrics: CloudProviderMetrics,
  now: () => number = () => performance.now()
): T {
  const decorated = Object.create(cloud) as T;
  const provider = cloud.name();
  for (const method of METHODS) {
    const call = (cloud[method] as (...args: unknown[]) => Promise<unknown>).bind(cloud);
    // Karpenter labels calls by the Go method name (Create, GetInstanceTypes, ...); dashboards filter on those.
    const label = method[0]!.toUpperCase() + method.slice(1);
    (decorated as unknown as Record<string, unknown>)[method] = async (...args: unknown[]): Promise<unknown> => {
      const started = now();
      try {
        const result = await call(...args);
        metrics.observe(label, provider, (now() - started) / 1000);
        return result;
      } catch (err) {
        metrics.observe(label, provider, (now() - started) / 1000, errorType(err));
        throw err;
      }
    };
  }
  return decorated;
}
