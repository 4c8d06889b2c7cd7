/**
 * Every signal and update payload of every workflow, fuzzed through the checks the handlers run (workflows/payloads.ts):
 * nothing throws, a bad payload is refused with the field that is wrong, an accepted one is safe for the lifecycle to
 * read and bounded in size, and a valid one is accepted unchanged.
 */
import { describe, expect, it } from '@jest/globals';
import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';

import { initializationBlocker, type NodeObservation } from '../../core/lifecycle/node-observation.js';
import {
  checkDisruptRequest,
  checkDryRun,
  checkNodeObservation,
  checkPauseRequest,
  checkPodKeys,
  INVALID_PAYLOAD,
  invalidPayload,
  LIMITS,
} from '../../workflows/payloads.js';
import { junk, mutated, prototypePolluted } from './mutate.js';
import { fuzzParameters } from './seed.js';

/** Case counts, reported in docs/reliability.md; the sum is this file's share of the ≥ 10,000. */
export const PAYLOAD_RUNS = {
  nodeObservedArbitrary: 1500,
  nodeObservedMutated: 2000,
  nodeObservedValid: 500,
  disruptArbitrary: 1000,
  disruptMutated: 1500,
  disruptValid: 500,
  podsPending: 1000,
  pause: 500,
  dryRun: 300,
};

const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const qualifiedKey = fc
  .tuple(fc.option(dnsLabel, { nil: undefined }), dnsLabel)
  .map(([prefix, name]) => (prefix === undefined ? name : `${prefix}.io/${name}`));

const taint = fc.record(
  { key: qualifiedKey, value: dnsLabel, effect: fc.constantFrom('NoSchedule', 'PreferNoSchedule', 'NoExecute') },
  { requiredKeys: ['key', 'effect'] }
);

const validObservation: fc.Arbitrary<NodeObservation> = fc.record(
  {
    name: dnsLabel,
    providerID: dnsLabel.map((id) => `aws:///us-east-1a/i-${id}`),
    ready: fc.boolean(),
    deleting: fc.boolean(),
    taints: fc.array(taint, { maxLength: 6 }),
    allocatableResources: fc.array(qualifiedKey, { maxLength: 6 }),
    doNotDisrupt: fc.constantFrom('true', 'false'),
  },
  { requiredKeys: ['name', 'providerID', 'ready', 'deleting', 'taints', 'allocatableResources'] }
);

const validDisrupt = fc.record(
  {
    reason: fc.string({ minLength: 1, maxLength: 200 }).filter((s) => s.trim() !== ''),
    force: fc.boolean(),
    requestedBy: fc.constantFrom('cli', 'disruption/consolidation', 'interruption', 'test'),
  },
  { requiredKeys: ['reason'] }
);

/** Anything a client can put in a payload (JSON), plus the values JSON cannot carry but a buggy caller might try. */
const anyPayload = fc.oneof(junk, fc.anything({ maxDepth: 3 }), validObservation, validDisrupt);

const stringsWithin = (value: unknown, max: number): boolean =>
  typeof value === 'string'
    ? value.length <= max
    : typeof value !== 'object' || value === null
      ? true
      : Object.values(value).every((inner) => stringsWithin(inner, max));

/** What the lifecycle does with an observation every workflow task; it must not throw on anything accepted. */
function useObservation(observation: NodeObservation): void {
  initializationBlocker(observation, [{ key: 'example.com/startup', effect: 'NoSchedule' }], ['nvidia.com/gpu']);
  JSON.stringify(observation);
}

describe('fuzz: nodeObserved signal', () => {
  const property = (input: unknown): void => {
    const checked = checkNodeObservation(input);
    if (checked.ok) {
      useObservation(checked.value);
      expect(Object.keys(checked.value).every((key) => Object.hasOwn(validObservationKeys, key))).toBe(true);
      expect(stringsWithin(checked.value, LIMITS.providerID)).toBe(true);
    } else {
      expect(checked.field).not.toBe('');
      expect(checked.message.length).toBeLessThan(300);
    }
    expect(prototypePolluted()).toBe(false);
  };
  const validObservationKeys = {
    name: 1,
    providerID: 1,
    ready: 1,
    deleting: 1,
    taints: 1,
    allocatableResources: 1,
    doNotDisrupt: 1,
  };

  it('never throws and only accepts what the lifecycle can read (arbitrary payloads)', () => {
    fc.assert(fc.property(anyPayload, property), fuzzParameters(PAYLOAD_RUNS.nodeObservedArbitrary));
  });

  it('never throws and only accepts what the lifecycle can read (mutated observations)', () => {
    fc.assert(fc.property(mutated(validObservation), property), fuzzParameters(PAYLOAD_RUNS.nodeObservedMutated));
  });

  it('accepts every valid observation unchanged', () => {
    fc.assert(
      fc.property(validObservation, (observation) => {
        const checked = checkNodeObservation(observation);
        expect(checked).toEqual({ ok: true, value: observation });
      }),
      fuzzParameters(PAYLOAD_RUNS.nodeObservedValid)
    );
  });

  it('regression: a null taint passed the old shape check and then failed every workflow task', () => {
    const bad = { name: 'n', providerID: 'p', ready: true, deleting: false, taints: [null], allocatableResources: [] };
    // The old guard only asked for an array; the lifecycle then read `null.key` in initializationBlocker.
    expect(() => initializationBlocker(bad as unknown as NodeObservation, [], [])).toThrow(TypeError);
    expect(checkNodeObservation(bad)).toEqual(expect.objectContaining({ ok: false, field: 'taints[0]' }));
  });

  it('drops unknown and __proto__ keys rather than storing them', () => {
    const input = JSON.parse(
      '{"name":"n","providerID":"p","ready":true,"deleting":false,"taints":[],"allocatableResources":[],"__proto__":{"x":1},"extra":"y"}'
    ) as unknown;
    const checked = checkNodeObservation(input);
    expect(checked.ok && Object.keys(checked.value)).toEqual([
      'name',
      'providerID',
      'ready',
      'deleting',
      'taints',
      'allocatableResources',
    ]);
  });
});

describe('fuzz: disrupt update', () => {
  const property = (input: unknown): void => {
    const checked = checkDisruptRequest(input);
    if (checked.ok) {
      expect(checked.value.reason.trim()).not.toBe('');
      expect(checked.value.reason.length).toBeLessThanOrEqual(LIMITS.reason);
      expect((checked.value.requestedBy ?? '').length).toBeLessThanOrEqual(LIMITS.requestedBy);
      expect(['undefined', 'boolean']).toContain(typeof checked.value.force);
    } else {
      // What the validator throws: typed, non-retryable, naming the field, bounded.
      const failure = invalidPayload('disrupt', checked);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure.type).toBe(INVALID_PAYLOAD);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain(checked.field === '<root>' ? 'disrupt' : checked.field.slice(0, 40));
      expect(failure.message.length).toBeLessThanOrEqual(512);
    }
    expect(prototypePolluted()).toBe(false);
  };

  it('never throws; refuses with a typed failure naming the field (arbitrary payloads)', () => {
    fc.assert(fc.property(anyPayload, property), fuzzParameters(PAYLOAD_RUNS.disruptArbitrary));
  });

  it('never throws; refuses with a typed failure naming the field (mutated requests)', () => {
    fc.assert(fc.property(mutated(validDisrupt), property), fuzzParameters(PAYLOAD_RUNS.disruptMutated));
  });

  it('accepts every valid request unchanged', () => {
    fc.assert(
      fc.property(validDisrupt, (request) => {
        expect(checkDisruptRequest(request)).toEqual({ ok: true, value: request });
      }),
      fuzzParameters(PAYLOAD_RUNS.disruptValid)
    );
  });

  it('regression: an oversize requestedBy is refused instead of stored', () => {
    const checked = checkDisruptRequest({ reason: 'r', requestedBy: 'x'.repeat(1_000_000) });
    expect(checked).toEqual(expect.objectContaining({ ok: false, field: 'requestedBy' }));
    expect(invalidPayload('disrupt', checked as { field: string; message: string }).message.length).toBeLessThan(200);
  });
});

describe('fuzz: provisioning and disruption signals', () => {
  const podKey = fc.tuple(dnsLabel, dnsLabel).map(([ns, name]) => `${ns}/${name}`);

  it('podsPending keeps only namespace/name keys and never throws', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyPayload, fc.array(fc.oneof(podKey, junk), { maxLength: 20 }), fc.array(podKey)),
        (input) => {
          const checked = checkPodKeys(input);
          if (!checked.ok) return;
          for (const key of checked.value.keys) {
            expect(key).toMatch(/^[a-z0-9.-]+\/[a-z0-9.-]+$/);
            expect(key.length).toBeLessThanOrEqual(63 + 1 + 253);
          }
          if (
            Array.isArray(input) &&
            input.every((key) => typeof key === 'string' && /^[a-z0-9-]+\/[a-z0-9-]+$/.test(key))
          )
            expect(checked.value.keys).toEqual(input);
        }
      ),
      fuzzParameters(PAYLOAD_RUNS.podsPending)
    );
  });

  it('pause always pauses, with a bounded reason', () => {
    fc.assert(
      fc.property(fc.oneof(anyPayload, fc.record({ reason: fc.oneof(junk, fc.string()) })), (input) => {
        const { reason } = checkPauseRequest(input);
        expect(reason.trim()).not.toBe('');
        expect(reason.length).toBeLessThanOrEqual(LIMITS.reason);
      }),
      fuzzParameters(PAYLOAD_RUNS.pause)
    );
  });

  it('dryRun accepts exactly true and false', () => {
    fc.assert(
      fc.property(anyPayload, (input) => {
        expect(checkDryRun(input).ok).toBe(typeof input === 'boolean');
      }),
      fuzzParameters(PAYLOAD_RUNS.dryRun)
    );
  });
});
