import { parseGoDuration } from '../lifecycle/do-not-disrupt.js';
import { cronActive, parseCron } from './cron.js';

/** `spec.disruption.budgets[]` of a NodePool. */
export interface Budget {
  nodes: string;
  schedule?: string;
  duration?: string;
  reasons?: string[];
}

/** Karpenter's default when a NodePool names no budgets. */
export const DEFAULT_BUDGETS: Budget[] = [{ nodes: '10%' }];

export interface PoolNodeCounts {
  /** Initialized nodes of the pool that are not being deleted (the base a percentage applies to). */
  nodes: number;
  /** Nodes of the pool already being disrupted or deleted. */
  deleting: number;
  /** Initialized nodes of the pool that are not Ready. */
  notReady: number;
}

export interface BudgetVerdict {
  /** How many more nodes of the pool may start disrupting for this reason now. */
  allowed: number;
  /** The arithmetic in words, for decision records. */
  why: string;
}

/**
 * Karpenter's budget arithmetic (`nodepool.go`): the minimum over the budgets active now whose `reasons` is empty or
 * names `reason`; a percentage rounds up against the pool's nodes; nodes already deleting or NotReady are spent
 * first. A budget that does not parse fails closed (0). No active budget means no limit.
 */
export function allowedDisruptions(
  budgets: Budget[] | undefined,
  reason: string,
  counts: PoolNodeCounts,
  now: Date
): BudgetVerdict {
  let limit = Number.POSITIVE_INFINITY;
  let limiting = 'no active budget';
  for (const budget of budgets ?? DEFAULT_BUDGETS) {
    if (budget.reasons?.length && !budget.reasons.includes(reason)) continue;
    let value: number;
    let label = `nodes: ${budget.nodes}`;
    try {
      if (budget.schedule !== undefined) {
        const duration = parseGoDuration(budget.duration ?? '');
        if (duration === undefined) throw new Error(`bad duration "${budget.duration}"`);
        if (!cronActive(parseCron(budget.schedule), duration, now)) continue;
        label += ` (schedule "${budget.schedule}" for ${budget.duration})`;
      }
      const percent = /^(100|[0-9]{1,2})%$/.exec(budget.nodes);
      if (percent) value = Math.ceil((counts.nodes * Number(percent[1])) / 100);
      else if (/^[0-9]+$/.test(budget.nodes)) value = Number(budget.nodes);
      else throw new Error(`bad nodes "${budget.nodes}"`);
    } catch (err) {
      value = 0;
      label = `an invalid budget (${(err as Error).message}), which allows nothing`;
    }
    if (value < limit) {
      limit = value;
      limiting = label;
    }
  }
  if (limit === Number.POSITIVE_INFINITY)
    return { allowed: Number.POSITIVE_INFINITY, why: `${reason}: no active budget limits it` };
  const allowed = Math.max(0, limit - counts.deleting - counts.notReady);
  return {
    allowed,
    why: `${reason}: budget ${limiting} → ${limit} of ${counts.nodes} node(s), ${counts.deleting} disrupting, ${counts.notReady} NotReady → ${allowed} more`,
  };
}
