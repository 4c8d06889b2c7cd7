/**
 * The facts activities report for the worker's `/metrics` (Karpenter's metric names where the meaning matches).
 * A port: activities call it where the fact happens; workers/ gives them the Prometheus implementation
 * (adapters/metrics/prometheus.ts), tests and callers that do not care get `noopMetrics`.
 */
export interface AutoscalerMetrics {
  /** A NodeClaim was created (not found already there): `provisioned`, or the disruption reason of a replacement. */
  nodeClaimCreated(nodePool: string, reason: string): void;
  /** A NodeClaim's instance is gone and the NodeClaim is being released. */
  nodeClaimTerminated(nodePool: string): void;
  /** A NodeClaim's workflow accepted a disruption: `empty`, `drifted`, `underutilized`, `expired`, or an interruption kind. */
  nodeClaimDisrupted(nodePool: string, reason: string): void;
  /** The disruption loop acted on a command: delete or replace, why, and the $/h it expects to save. */
  disruptionDecision(decision: 'delete' | 'replace', reason: string, savingsPerHour: number): void;
  /** One scheduling simulation (the solver over a batch of pending pods). */
  schedulingDuration(seconds: number): void;
  /** One message off the interruption queue, by kind (`malformed` for one that could not be parsed). */
  interruptionReceived(messageType: string): void;
}

export const noopMetrics: AutoscalerMetrics = {
  nodeClaimCreated: () => undefined,
  nodeClaimTerminated: () => undefined,
  nodeClaimDisrupted: () => undefined,
  disruptionDecision: () => undefined,
  schedulingDuration: () => undefined,
  interruptionReceived: () => undefined,
};

/** Karpenter's label values for disruption reasons are lower case (`Drifted` → `drifted`). */
export function reasonLabel(reason: string): string {
  return reason.toLowerCase();
}
