import { allowedDisruptions, type PoolNodeCounts } from './budgets.js';
import type { DisruptionNode, DisruptionPool, DisruptionReason, DisruptionView } from './types.js';

/** Why a node can never be chosen this pass, whatever the method; undefined when it can. */
export function notACandidate(node: DisruptionNode, pool: DisruptionPool | undefined): string | undefined {
  if (!pool) return `its NodePool ${node.nodePool || '(none)'} does not exist`;
  if (!node.initialized) return 'not initialized yet';
  if (node.deleting) return 'already being disrupted or deleted';
  if (node.doNotDisrupt) return `node ${node.nodeName} is annotated karpenter.sh/do-not-disrupt`;
  return undefined;
}

/**
 * Why the node's pods keep it from a voluntary disruption: an active do-not-disrupt pod, or a pod no
 * PodDisruptionBudget lets go. Drift and expiration skip this when the pool has a terminationGracePeriod, which
 * bounds how long such a pod can hold the drain.
 */
export function blockingPods(node: DisruptionNode): string | undefined {
  const protectedPod = node.pods.find((p) => p.doNotDisrupt);
  if (protectedPod) return `pod ${protectedPod.key} has karpenter.sh/do-not-disrupt`;
  const budgeted = node.pods.find((p) => p.reschedulable && p.blockedByBudget);
  if (budgeted) return `pod ${budgeted.key}: ${budgeted.blockedByBudget}`;
  return undefined;
}

export const isEmpty = (node: DisruptionNode): boolean => !node.pods.some((p) => p.reschedulable);

/** Karpenter's `Consolidatable`: consolidation is on and no pod came or went for `consolidateAfter`. */
export function consolidatable(node: DisruptionNode, pool: DisruptionPool, now: Date): boolean {
  if (pool.consolidateAfterMs === null) return false;
  return now.getTime() - Date.parse(node.lastPodEventAt) >= pool.consolidateAfterMs;
}

/** Karpenter's reschedule cost: 1 plus each moving pod's (positive) cost. */
export function disruptionCost(node: DisruptionNode): number {
  return 1 + node.pods.filter((p) => p.reschedulable).reduce((sum, p) => sum + Math.max(0, p.cost), 0);
}

/** Karpenter's savings ratio: candidates with the most price per unit of disruption go first. */
export function savingsRatio(node: DisruptionNode): number {
  return node.price / disruptionCost(node);
}

export function poolCounts(view: DisruptionView, pool: string): PoolNodeCounts {
  const nodes = view.nodes.filter((n) => n.nodePool === pool);
  return {
    nodes: nodes.filter((n) => n.initialized && !n.deleting).length,
    deleting: nodes.filter((n) => n.deleting).length,
    notReady: nodes.filter((n) => n.initialized && !n.deleting && !n.ready).length,
  };
}

/** Budget bookkeeping for one pass: how many more nodes each pool may give up for a reason. */
export class BudgetLedger {
  private readonly left = new Map<string, number>();
  readonly why = new Map<string, string>();

  constructor(
    private readonly view: DisruptionView,
    private readonly reason: DisruptionReason,
    private readonly now: Date
  ) {}

  private allowed(pool: string): number {
    let left = this.left.get(pool);
    if (left === undefined) {
      const spec = this.view.pools.find((p) => p.name === pool);
      const verdict = allowedDisruptions(spec?.budgets, this.reason, poolCounts(this.view, pool), this.now);
      left = verdict.allowed;
      this.left.set(pool, left);
      this.why.set(pool, verdict.why);
    }
    return left;
  }

  canTake(pool: string): boolean {
    return this.allowed(pool) > 0;
  }

  take(pool: string): boolean {
    const left = this.allowed(pool);
    if (left <= 0) return false;
    this.left.set(pool, left - 1);
    return true;
  }
}
