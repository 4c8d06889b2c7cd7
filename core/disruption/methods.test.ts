import { describe, expect, it } from '@jest/globals';
import { decide, revalidate } from './methods.js';
import type { DisruptionNode, DisruptionPool, DisruptionView, PriceOf, Simulate, SimulationResult } from './types.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const PRICES: Record<string, number> = { 'm5.large': 0.096, 'm5.xlarge': 0.192, 'm5.2xlarge': 0.384 };
const priceOf: PriceOf = (type) => PRICES[type];

const node = (name: string, overrides: Partial<DisruptionNode> = {}): DisruptionNode => ({
  nodeClaim: `general-${name}`,
  nodeName: `ip-${name}`,
  nodePool: 'general',
  instanceType: 'm5.xlarge',
  zone: 'us-west-2a',
  capacityType: 'on-demand',
  price: 0.192,
  createdAt: '2026-06-01T00:00:00Z',
  initialized: true,
  ready: true,
  deleting: false,
  doNotDisrupt: false,
  pods: [{ key: `default/${name}-pod`, reschedulable: true, doNotDisrupt: false, cost: 1 }],
  lastPodEventAt: '2026-06-01T11:00:00Z',
  ...overrides,
});
const pool = (overrides: Partial<DisruptionPool> = {}): DisruptionPool => ({
  name: 'general',
  consolidationPolicy: 'WhenEmptyOrUnderutilized',
  consolidateAfterMs: 0,
  budgets: [{ nodes: '100%' }],
  hasTerminationGracePeriod: false,
  ...overrides,
});
const view = (nodes: DisruptionNode[], pools = [pool()]): DisruptionView => ({ nodes, pools });

/** A simulation answering from a table keyed by the candidates' names. */
const simulateBy =
  (answers: Record<string, Partial<SimulationResult>>, fallback: Partial<SimulationResult> = {}): Simulate =>
  (candidates) => {
    const answer = answers[candidates.map((c) => c.nodeClaim).join('+')] ?? fallback;
    return { unschedulable: [], newNodeClaims: [], ...answer };
  };
const newClaim = (types: string[], pods: string[] = []) => ({
  nodePool: 'general',
  instanceTypes: types,
  requirements: [{ key: 'node.kubernetes.io/instance-type', operator: 'In' as const, values: types }],
  requests: { cpu: 1000 },
  pods,
});

describe('decide', () => {
  it('removes every empty node within budget first, in one command with no replacement', () => {
    const nodes = [node('a', { pods: [] }), node('b', { pods: [] }), node('c', { pods: [] }), node('d')];
    const decision = decide(view(nodes, [pool({ budgets: [{ nodes: '2' }] })]), NOW, simulateBy({}), priceOf);
    expect(decision.command?.method).toBe('emptiness');
    expect(decision.command?.candidates.map((c) => c.nodeClaim)).toEqual(['general-a', 'general-b']);
    expect(decision.command?.replacements).toEqual([]);
    expect(decision.command?.savingsPerHour).toBeCloseTo(0.384);
  });

  it('waits for consolidateAfter and never consolidates a pool with consolidateAfter Never', () => {
    const fresh = node('a', { pods: [], lastPodEventAt: '2026-06-01T11:59:50Z' });
    expect(
      decide(view([fresh], [pool({ consolidateAfterMs: 30_000 })]), NOW, simulateBy({}), priceOf).command
    ).toBeUndefined();
    expect(
      decide(view([fresh], [pool({ consolidateAfterMs: 5_000 })]), NOW, simulateBy({}), priceOf).command?.method
    ).toBe('emptiness');
    expect(
      decide(view([node('b', { pods: [] })], [pool({ consolidateAfterMs: null })]), NOW, simulateBy({}), priceOf)
        .command
    ).toBeUndefined();
  });

  it('does not count DaemonSet pods against emptiness', () => {
    const daemon = node('a', { pods: [{ key: 'kube-system/ds', reschedulable: false, doNotDisrupt: false, cost: 1 }] });
    expect(decide(view([daemon]), NOW, simulateBy({}), priceOf).command?.method).toBe('emptiness');
  });

  it('replaces a drifted node like for like, oldest first, and holds when its pods fit nowhere', () => {
    const older = node('a', { drifted: 'AMIDrift', createdAt: '2026-05-01T00:00:00Z' });
    const newer = node('b', { drifted: 'AMIDrift' });
    const sim = simulateBy({ 'general-a': { newNodeClaims: [newClaim(['m5.xlarge'], ['default/a-pod'])] } });
    const decision = decide(view([newer, older]), NOW, sim, priceOf);
    expect(decision.command?.method).toBe('drift');
    expect(decision.command?.candidates.map((c) => c.nodeClaim)).toEqual(['general-a']);
    expect(decision.command?.replacements[0]?.worstCasePrice).toBe(0.192);
    const stuck = decide(
      view([older]),
      NOW,
      simulateBy({}, { unschedulable: [{ pod: 'default/a-pod', reason: 'too big' }] }),
      priceOf
    );
    expect(stuck.command).toBeUndefined();
    expect(stuck.methods.find((m) => m.method === 'drift')?.outcome).toContain('fits nowhere');
  });

  it('routes expiration through budgets: a budget of 0 blocks it and says so', () => {
    const expired = node('a', { expiresAt: '2026-06-01T11:59:00Z' });
    const sim = simulateBy({}, { newNodeClaims: [newClaim(['m5.xlarge'])] });
    expect(decide(view([expired]), NOW, sim, priceOf).command?.method).toBe('expiration');
    const frozen = decide(view([expired], [pool({ budgets: [{ nodes: '0' }] })]), NOW, sim, priceOf);
    expect(frozen.command).toBeUndefined();
    expect(frozen.methods.find((m) => m.method === 'expiration')?.outcome).toMatch(
      /general-a: Expired: budget nodes: 0/
    );
  });

  it('consolidates several nodes onto one cheaper node (the largest prefix that fits)', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const sim = simulateBy({
      'general-a+general-b': { newNodeClaims: [newClaim(['m5.large', 'm5.xlarge'])] },
      'general-a+general-b+general-c': { newNodeClaims: [newClaim(['m5.xlarge'])] },
    });
    const decision = decide(view(nodes), NOW, sim, priceOf);
    expect(decision.command?.method).toBe('multi-node-consolidation');
    expect(decision.command?.candidates).toHaveLength(2);
    // m5.xlarge is being removed: it and anything dearer leave the options.
    expect(decision.command?.replacements[0]?.instanceTypes).toEqual(['m5.large']);
    expect(decision.command?.savingsPerHour).toBeCloseTo(0.384 - 0.096);
  });

  it('replaces a single node only with a strictly cheaper one, and deletes it when its pods fit elsewhere', () => {
    const same = simulateBy({}, { newNodeClaims: [newClaim(['m5.xlarge', 'm5.2xlarge'])] });
    const none = decide(view([node('a')]), NOW, same, priceOf);
    expect(none.command).toBeUndefined();
    expect(none.methods.find((m) => m.method === 'single-node-consolidation')?.outcome).toContain('cheaper');
    const cheaper = decide(
      view([node('a')]),
      NOW,
      simulateBy({}, { newNodeClaims: [newClaim(['m5.large'])] }),
      priceOf
    );
    expect(cheaper.command?.method).toBe('single-node-consolidation');
    const fits = decide(
      view([node('a'), node('b', { pods: [{ key: 'x/y', reschedulable: true, doNotDisrupt: true, cost: 1 }] })]),
      NOW,
      simulateBy({}),
      priceOf
    );
    expect(fits.command?.replacements).toEqual([]);
    expect(fits.command?.candidates.map((c) => c.nodeClaim)).toEqual(['general-a']);
  });

  it('keeps do-not-disrupt pods, blocking PDBs and protected nodes out of voluntary disruption', () => {
    const guarded = node('a', { pods: [{ key: 'default/db', reschedulable: true, doNotDisrupt: true, cost: 1 }] });
    const pdb = node('b', {
      pods: [
        {
          key: 'default/web',
          reschedulable: true,
          doNotDisrupt: false,
          blockedByBudget: 'PodDisruptionBudget default/web allows no disruption now',
          cost: 1,
        },
      ],
    });
    const annotated = node('c', { doNotDisrupt: true, pods: [] });
    const decision = decide(view([guarded, pdb, annotated]), NOW, simulateBy({}), priceOf);
    expect(decision.command).toBeUndefined();
    expect(decision.excluded).toEqual(
      expect.arrayContaining([
        { nodeClaim: 'general-a', why: 'pod default/db has karpenter.sh/do-not-disrupt' },
        { nodeClaim: 'general-b', why: 'pod default/web: PodDisruptionBudget default/web allows no disruption now' },
        { nodeClaim: 'general-c', why: 'node ip-c is annotated karpenter.sh/do-not-disrupt' },
      ])
    );
  });

  it('replaces spot with spot only behind the gate, and single-node only with 15 cheaper types, launching those 15', () => {
    const spot = node('a', { capacityType: 'spot', price: 0.07 });
    const many = Array.from({ length: 20 }, (_, i) => `c5.t${i}`);
    const cheapSpot: PriceOf = (type) => 0.01 + Number(type.slice(4)) / 1000;
    const gate = { spotToSpot: true, maxMultiNodeCandidates: 100 };
    const sim = (types: string[]) => simulateBy({}, { newNodeClaims: [newClaim(types)] });
    expect(decide(view([spot]), NOW, sim(many), cheapSpot).command).toBeUndefined();
    const few = decide(view([spot]), NOW, sim(many.slice(0, 3)), cheapSpot, gate);
    expect(few.command).toBeUndefined();
    expect(few.methods.find((m) => m.method === 'single-node-consolidation')?.outcome).toContain('needs 15');
    const enough = decide(view([spot]), NOW, sim(many), cheapSpot, gate).command;
    expect(enough?.method).toBe('single-node-consolidation');
    expect(enough?.replacements[0]?.instanceTypes).toEqual(many.slice(0, 15));
  });

  it('approves a Balanced move only when it saves enough for the disruption it causes', () => {
    const busy = (name: string, pods: number, price: number) =>
      node(name, {
        price,
        pods: Array.from({ length: pods }, (_, i) => ({
          key: `d/${name}${i}`,
          reschedulable: true,
          doNotDisrupt: false,
          cost: 1,
        })),
      });
    const balanced = [pool({ consolidationPolicy: 'Balanced' })];
    // Deleting a lightly used node that costs a third of the pool: approved.
    const cheapMove = decide(
      view([busy('a', 1, 0.2), busy('b', 9, 0.2), busy('c', 9, 0.2)], balanced),
      NOW,
      simulateBy({ 'general-a': {} }, { unschedulable: [{ pod: 'd/x', reason: 'full' }] }),
      priceOf
    );
    expect(cheapMove.command?.candidates.map((c) => c.nodeClaim)).toEqual(['general-a']);
    // A replacement saving a little while moving most of the pool's pods: refused, with the score.
    const small = simulateBy(
      { 'general-a': { newNodeClaims: [newClaim(['m5.large'])] } },
      { unschedulable: [{ pod: 'd/x', reason: 'full' }] }
    );
    const churn = decide(view([busy('a', 9, 0.1), busy('b', 1, 0.1)], balanced), NOW, small, (t) =>
      t === 'm5.large' ? 0.09 : undefined
    );
    expect(churn.command).toBeUndefined();
    expect(churn.methods.find((m) => m.method === 'single-node-consolidation')?.outcome).toMatch(
      /Balanced: score 0\.\d+ is below 0\.5/
    );
  });

  it('stops a consolidation search that is out of time, saying so', () => {
    const sim = simulateBy({}, { newNodeClaims: [newClaim(['m5.large'])] });
    const decision = decide(view([node('a'), node('b')]), NOW, sim, priceOf, {
      spotToSpot: false,
      maxMultiNodeCandidates: 100,
      outOfTime: () => true,
    });
    expect(decision.command).toBeUndefined();
    expect(decision.methods.map((m) => m.outcome)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^out of time/), 'out of time after 0 candidate(s)'])
    );
  });

  it('skips consolidation while nothing changed since it last found nothing, and searches again on a change', () => {
    let simulations = 0;
    const counting: Simulate = (candidates) => {
      simulations++;
      return simulateBy({}, { newNodeClaims: [newClaim(['m5.xlarge'])] })(candidates);
    };
    const nodes = [node('a'), node('b')];
    const first = decide(view(nodes), NOW, counting, priceOf);
    expect(first.command).toBeUndefined();
    expect(first.consolidatedFingerprint).toBeDefined();
    const searched = simulations;
    const options = {
      spotToSpot: false,
      maxMultiNodeCandidates: 100,
      consolidatedFingerprint: first.consolidatedFingerprint!,
    };
    const same = decide(view(nodes), NOW, counting, priceOf, options);
    expect(simulations).toBe(searched);
    expect(same.methods.find((m) => m.method === 'single-node-consolidation')?.outcome).toMatch(/^skipped/);
    const podArrived = [node('a', { lastPodEventAt: '2026-06-01T11:30:00Z' }), node('b')];
    decide(view(podArrived), NOW, counting, priceOf, options);
    expect(simulations).toBeGreaterThan(searched);
  });

  it('leaves WhenEmpty pools alone when nodes are merely underutilized', () => {
    const decision = decide(
      view([node('a')], [pool({ consolidationPolicy: 'WhenEmpty' })]),
      NOW,
      simulateBy({}),
      priceOf
    );
    expect(decision.command).toBeUndefined();
  });
});

describe('revalidate', () => {
  const sim = simulateBy({}, { newNodeClaims: [newClaim(['m5.large'])] });

  it('holds when the same nodes still consolidate the same way', () => {
    const first = decide(view([node('a')]), NOW, sim, priceOf).command!;
    expect(revalidate(first, view([node('a')]), NOW, sim, priceOf)).toBeUndefined();
  });

  it('drops the command when a pod arrived, the node became protected, or more nodes are needed', () => {
    const first = decide(view([node('a')]), NOW, sim, priceOf).command!;
    const later = new Date(NOW.getTime() + 15_000);
    expect(
      revalidate(
        first,
        view([node('a', { lastPodEventAt: later.toISOString() })], [pool({ consolidateAfterMs: 60_000 })]),
        later,
        sim,
        priceOf
      )
    ).toBeDefined();
    expect(revalidate(first, view([node('a', { doNotDisrupt: true })]), later, sim, priceOf)).toContain(
      'do-not-disrupt'
    );
    const bigger = simulateBy({}, { newNodeClaims: [newClaim(['m5.large']), newClaim(['m5.large'])] });
    expect(revalidate(first, view([node('a')]), later, bigger, priceOf)).toBeDefined();
  });
});
