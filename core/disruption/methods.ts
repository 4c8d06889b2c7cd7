import { allowedDisruptions } from './budgets.js';
import { fnv1a } from './digest.js';
import {
  BudgetLedger,
  blockingPods,
  consolidatable,
  disruptionCost,
  isEmpty,
  notACandidate,
  poolCounts,
  savingsRatio,
} from './candidates.js';
import { cheaperReplacement, replacementAsPlanned, type CheaperOptions } from './replacement.js';
import {
  REASON_OF,
  type CandidateSummary,
  type DisruptionCommand,
  type DisruptionDecision,
  type DisruptionMethod,
  type DisruptionNode,
  type DisruptionPool,
  type DisruptionView,
  type MethodOutcome,
  type PriceOf,
  type Replacement,
  type Simulate,
} from './types.js';

export interface DecideOptions extends CheaperOptions {
  /** Karpenter keeps at most 100 candidates for multi-node consolidation. */
  maxMultiNodeCandidates: number;
  /** Only these methods (in METHODS order); all when undefined. Validation re-runs just the command's method. */
  methods?: DisruptionMethod[];
  /** Only these NodeClaims may be candidates (validation re-checks exactly the command's nodes). */
  onlyNodeClaims?: string[];
  /**
   * Whether a consolidation method has used up its time (Karpenter: 1 min multi-node, 3 min single-node); the
   * search stops and keeps the best command found. The caller owns the clock, so this core stays pure.
   */
  outOfTime?: (method: DisruptionMethod) => boolean;
  /**
   * The fingerprint of the last pass whose consolidation found nothing (Karpenter's "consolidated" mark): when the
   * cluster still has it, both consolidation methods are skipped. The caller drops it now and then (Karpenter: every
   * 5 minutes) to re-check anyway.
   */
  consolidatedFingerprint?: string;
}

export const DEFAULT_DECIDE_OPTIONS: DecideOptions = { spotToSpot: false, maxMultiNodeCandidates: 100 };

const money = (usd: number): string => `$${usd.toFixed(4)}/h`;

function summarize(node: DisruptionNode): CandidateSummary {
  return {
    nodeClaim: node.nodeClaim,
    nodeName: node.nodeName,
    nodePool: node.nodePool,
    instanceType: node.instanceType,
    capacityType: node.capacityType,
    zone: node.zone,
    price: node.price,
    pods: node.pods.filter((p) => p.reschedulable).length,
  };
}

function command(
  method: DisruptionMethod,
  candidates: DisruptionNode[],
  replacements: Replacement[],
  detail: string
): DisruptionCommand {
  const removed = candidates.reduce((sum, c) => sum + c.price, 0);
  const added = replacements.reduce((sum, r) => sum + r.expectedPrice, 0);
  const savingsPerHour = Math.round((removed - added) * 1e6) / 1e6;
  const what =
    replacements.length === 0
      ? `delete ${candidates.map((c) => `${c.nodeName} (${c.instanceType})`).join(', ')}`
      : `replace ${candidates.map((c) => `${c.nodeName} (${c.instanceType})`).join(', ')} with ${replacements
          .map(
            (r) => `${r.nodePool}: ${r.instanceTypes.slice(0, 3).join('|')}${r.instanceTypes.length > 3 ? '|…' : ''}`
          )
          .join(', ')}`;
  return {
    method,
    reason: REASON_OF[method],
    candidates: candidates.map(summarize),
    replacements,
    savingsPerHour,
    summary: `${REASON_OF[method]}: ${what}; ${detail}; saves ${money(savingsPerHour)}`,
  };
}

/** Karpenter's `Balanced` k: a move must save at least 1/k of its share of the pool's disruption cost. */
const BALANCED_K = 2;

/**
 * Karpenter's `Balanced` policy: score = (savings / pool cost) ÷ (moved disruption cost / pool disruption cost);
 * approved at 1/k or more. Applies when a candidate's pool is Balanced; returns why not, or undefined.
 */
function balancedVerdict(
  view: DisruptionView,
  candidates: DisruptionNode[],
  replacement: Replacement | undefined,
  pools: Map<string, DisruptionPool>
): string | undefined {
  const balanced = new Set(
    candidates.map((c) => c.nodePool).filter((p) => pools.get(p)?.consolidationPolicy === 'Balanced')
  );
  if (balanced.size === 0) return undefined;
  const inPools = view.nodes.filter((n) => balanced.has(n.nodePool) && n.initialized && !n.deleting);
  const poolCost = inPools.reduce((sum, n) => sum + n.price, 0);
  const poolDisruption = inPools.reduce((sum, n) => sum + disruptionCost(n), 0);
  const savings = candidates.reduce((sum, c) => sum + c.price, 0) - (replacement?.expectedPrice ?? 0);
  const moved = candidates.reduce((sum, c) => sum + disruptionCost(c), 0);
  if (poolCost <= 0 || poolDisruption <= 0) return undefined;
  const score = savings / poolCost / (moved / poolDisruption);
  return score >= 1 / BALANCED_K ? undefined : `Balanced: score ${score.toFixed(2)} is below ${1 / BALANCED_K}`;
}

/**
 * One pass of Karpenter's disruption controller, pure: the methods in order (emptiness, expiration, drift,
 * multi-node then single-node consolidation), each over its candidates within the pools' budgets, stopping at the
 * first that yields a command. `simulate` answers where a set of nodes' pods would go; `priceOf` prices options.
 */
export function decide(
  view: DisruptionView,
  now: Date,
  simulate: Simulate,
  priceOf: PriceOf,
  options: DecideOptions = DEFAULT_DECIDE_OPTIONS
): DisruptionDecision {
  const pools = new Map(view.pools.map((p) => [p.name, p]));
  const excluded: DisruptionDecision['excluded'] = [];
  const eligible: { node: DisruptionNode; pool: DisruptionPool }[] = [];
  const only = options.onlyNodeClaims ? new Set(options.onlyNodeClaims) : undefined;
  for (const node of view.nodes) {
    if (only && !only.has(node.nodeClaim)) continue;
    const pool = pools.get(node.nodePool);
    const why = notACandidate(node, pool);
    if (why) excluded.push({ nodeClaim: node.nodeClaim, why });
    else eligible.push({ node, pool: pool! });
  }
  const methods: MethodOutcome[] = [];
  const wanted = (m: DisruptionMethod): boolean => !options.methods || options.methods.includes(m);
  // A set beside the list: scanning `excluded` for every node made this quadratic in nodes.
  const excludedClaims = new Set(excluded.map((x) => x.nodeClaim));
  const voluntary = (e: { node: DisruptionNode }): boolean => {
    const why = blockingPods(e.node);
    if (why && !excludedClaims.has(e.node.nodeClaim)) {
      excluded.push({ nodeClaim: e.node.nodeClaim, why });
      excludedClaims.add(e.node.nodeClaim);
    }
    return !why;
  };
  const finish = (outcome: MethodOutcome, found?: DisruptionCommand): DisruptionDecision => {
    methods.push(outcome);
    return { at: now.toISOString(), methods, excluded, ...(found ? { command: found } : {}) };
  };

  // 1. Emptiness: every empty, consolidatable node within budget, in one command, nothing launched.
  if (wanted('emptiness')) {
    const ledger = new BudgetLedger(view, 'Empty', now);
    const empty = eligible.filter((e) => isEmpty(e.node) && consolidatable(e.node, e.pool, now));
    const chosen = empty.filter((e) => ledger.take(e.node.nodePool)).map((e) => e.node);
    if (chosen.length > 0)
      return finish(
        { method: 'emptiness', candidates: empty.length, outcome: `${chosen.length} empty node(s) chosen` },
        command('emptiness', chosen, [], `empty for their pools' consolidateAfter`)
      );
    methods.push({
      method: 'emptiness',
      candidates: empty.length,
      outcome: empty.length ? `blocked by budgets: ${[...ledger.why.values()].join('; ')}` : 'no empty node',
    });
  }

  // 2–3. Expiration and drift: oldest first, empty first, one node per command, replacements like for like.
  for (const method of ['expiration', 'drift'] as const) {
    if (!wanted(method)) continue;
    const due = eligible
      .filter((e) =>
        method === 'expiration'
          ? e.node.expiresAt !== undefined && Date.parse(e.node.expiresAt) <= now.getTime()
          : e.node.drifted !== undefined
      )
      .filter((e) => e.pool.hasTerminationGracePeriod || voluntary(e))
      .sort(
        (a, b) =>
          Number(!isEmpty(a.node)) - Number(!isEmpty(b.node)) || a.node.createdAt.localeCompare(b.node.createdAt)
      );
    const ledger = new BudgetLedger(view, REASON_OF[method], now);
    const blocked: string[] = [];
    for (const { node } of due) {
      if (!ledger.canTake(node.nodePool)) {
        blocked.push(`${node.nodeClaim}: ${ledger.why.get(node.nodePool)}`);
        continue;
      }
      const result = simulate([node]);
      // Drift waits until every pod has somewhere to go; expiration is a maximum lifetime and goes regardless.
      if (method === 'drift' && result.unschedulable.length > 0) {
        blocked.push(
          `${node.nodeClaim}: ${result.unschedulable[0]!.pod} fits nowhere (${result.unschedulable[0]!.reason})`
        );
        continue;
      }
      const why = method === 'expiration' ? `expireAfter reached at ${node.expiresAt}` : `drifted: ${node.drifted}`;
      return finish(
        { method, candidates: due.length, outcome: `${node.nodeClaim} chosen` },
        command(
          method,
          [node],
          result.newNodeClaims.map((c) => replacementAsPlanned(c, priceOf)),
          why
        )
      );
    }
    methods.push({
      method,
      candidates: due.length,
      outcome: due.length ? `blocked: ${blocked.join('; ')}` : `no ${method === 'drift' ? 'drifted' : 'expired'} node`,
    });
  }

  // 4–5. Consolidation: underutilized nodes, by savings ratio.
  const consolidation = eligible
    .filter((e) => e.pool.consolidationPolicy !== 'WhenEmpty' && consolidatable(e.node, e.pool, now))
    .filter(voluntary)
    .sort((a, b) => savingsRatio(b.node) - savingsRatio(a.node));
  const fingerprint = consolidationFingerprint(
    view,
    consolidation.map((e) => e.node.nodeClaim),
    now
  );
  if (
    options.consolidatedFingerprint === fingerprint &&
    (wanted('multi-node-consolidation') || wanted('single-node-consolidation'))
  ) {
    for (const method of ['multi-node-consolidation', 'single-node-consolidation'] as const)
      if (wanted(method))
        methods.push({
          method,
          candidates: consolidation.length,
          outcome: 'skipped: nothing changed since a pass found nothing to consolidate',
        });
    return { at: now.toISOString(), methods, excluded, consolidatedFingerprint: fingerprint };
  }

  const tryConsolidate = (
    candidates: DisruptionNode[],
    singleNode: boolean
  ): { replacement?: Replacement; why?: string } => {
    const result = simulate(candidates);
    if (result.unschedulable.length > 0)
      return { why: `${result.unschedulable[0]!.pod} fits nowhere (${result.unschedulable[0]!.reason})` };
    if (result.newNodeClaims.length > 1) return { why: `needs ${result.newNodeClaims.length} new nodes` };
    let replacement: Replacement | undefined;
    if (result.newNodeClaims.length === 1) {
      const cheaper = cheaperReplacement(result.newNodeClaims[0]!, candidates, priceOf, options, singleNode);
      if (typeof cheaper === 'string') return { why: cheaper };
      replacement = cheaper;
    }
    const unbalanced = balancedVerdict(view, candidates, replacement, pools);
    if (unbalanced) return { why: unbalanced };
    return replacement ? { replacement } : {};
  };

  if (wanted('multi-node-consolidation')) {
    const ledger = new BudgetLedger(view, 'Underutilized', now);
    const within = consolidation
      .filter((e) => ledger.take(e.node.nodePool))
      .slice(0, options.maxMultiNodeCandidates)
      .map((e) => e.node);
    let best: { size: number; replacement?: Replacement } | undefined;
    let lastWhy = 'fewer than 2 candidates';
    // Karpenter's binary search for the largest prefix that consolidates onto at most one cheaper node.
    let lo = 2;
    let hi = within.length;
    while (lo <= hi) {
      if (options.outOfTime?.('multi-node-consolidation')) {
        lastWhy = `out of time; ${lastWhy}`;
        break;
      }
      const mid = Math.floor((lo + hi) / 2);
      const attempt = tryConsolidate(within.slice(0, mid), false);
      if (attempt.why === undefined) {
        best = { size: mid, ...(attempt.replacement ? { replacement: attempt.replacement } : {}) };
        lo = mid + 1;
      } else {
        lastWhy = attempt.why;
        hi = mid - 1;
      }
    }
    if (best) {
      const chosen = within.slice(0, best.size);
      return finish(
        { method: 'multi-node-consolidation', candidates: within.length, outcome: `${best.size} node(s) chosen` },
        command(
          'multi-node-consolidation',
          chosen,
          best.replacement ? [best.replacement] : [],
          `their pods fit on ${best.replacement ? 'the other nodes plus one cheaper node' : 'the other nodes'}`
        )
      );
    }
    methods.push({ method: 'multi-node-consolidation', candidates: within.length, outcome: lastWhy });
  }

  if (wanted('single-node-consolidation')) {
    const ledger = new BudgetLedger(view, 'Underutilized', now);
    const reasons: string[] = [];
    for (const { node } of consolidation) {
      if (options.outOfTime?.('single-node-consolidation')) {
        reasons.push(`out of time after ${reasons.length} candidate(s)`);
        break;
      }
      if (!ledger.canTake(node.nodePool)) {
        reasons.push(`${node.nodeClaim}: ${ledger.why.get(node.nodePool)}`);
        continue;
      }
      const attempt = tryConsolidate([node], true);
      if (attempt.why !== undefined) {
        reasons.push(`${node.nodeClaim}: ${attempt.why}`);
        continue;
      }
      return finish(
        { method: 'single-node-consolidation', candidates: consolidation.length, outcome: `${node.nodeClaim} chosen` },
        command(
          'single-node-consolidation',
          [node],
          attempt.replacement ? [attempt.replacement] : [],
          `its pods fit on ${attempt.replacement ? 'the other nodes plus a cheaper node' : 'the other nodes'}`
        )
      );
    }
    methods.push({
      method: 'single-node-consolidation',
      candidates: consolidation.length,
      outcome: reasons.length ? reasons.join('; ') : 'no underutilized node',
    });
  }
  const searched = !methods.some((m) => m.outcome.startsWith('out of time'));
  return { at: now.toISOString(), methods, excluded, ...(searched ? { consolidatedFingerprint: fingerprint } : {}) };
}

/** A short digest of what consolidation looks at; equal digests mean an equal search result. */
function consolidationFingerprint(view: DisruptionView, candidates: string[], now: Date): string {
  // Budgets can open and close with their cron windows while nothing else changes.
  const allowed = view.pools.map(
    (p) => allowedDisruptions(p.budgets, 'Underutilized', poolCounts(view, p.name), now).allowed
  );
  const parts = [
    candidates.join(','),
    allowed.join(','),
    ...view.nodes.map((n) => `${n.nodeClaim}:${n.lastPodEventAt}:${n.deleting}:${n.initialized}:${n.price}`),
    JSON.stringify(view.pools),
  ];
  return `${view.nodes.length}:${candidates.length}:${fnv1a(parts.join(''))}`;
}

/**
 * Karpenter's 15 s re-check: the same method over exactly the command's nodes must still choose all of them, need
 * no more replacements, and launch only types it offered before. Returns why not, or undefined when it holds.
 */
export function revalidate(
  original: DisruptionCommand,
  view: DisruptionView,
  now: Date,
  simulate: Simulate,
  priceOf: PriceOf,
  options: DecideOptions = DEFAULT_DECIDE_OPTIONS
): string | undefined {
  const names = original.candidates.map((c) => c.nodeClaim);
  const again = decide(view, now, simulate, priceOf, {
    ...options,
    methods: [original.method],
    onlyNodeClaims: names,
  });
  const fresh = again.command;
  if (!fresh) {
    const excluded = again.excluded.map((e) => `${e.nodeClaim}: ${e.why}`);
    return `no longer valid: ${[...excluded, ...again.methods.map((m) => m.outcome)].join('; ')}`;
  }
  const kept = new Set(fresh.candidates.map((c) => c.nodeClaim));
  const lost = names.filter((n) => !kept.has(n));
  if (lost.length > 0) return `no longer a candidate: ${lost.join(', ')}`;
  if (fresh.replacements.length > original.replacements.length)
    return `now needs ${fresh.replacements.length} replacement(s) instead of ${original.replacements.length}`;
  for (const replacement of fresh.replacements) {
    const before = new Set(original.replacements.flatMap((r) => r.instanceTypes));
    if (!replacement.instanceTypes.some((t) => before.has(t)))
      return 'the replacement would now launch a different instance type';
  }
  return undefined;
}
