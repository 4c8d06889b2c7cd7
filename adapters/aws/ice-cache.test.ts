import { describe, expect, it } from '@jest/globals';
import { ManualClock } from './clock.js';
import { UNAVAILABLE_OFFERING_TTL_MS, UnavailableOfferings } from './ice-cache.js';

describe('UnavailableOfferings (the ICE cache)', () => {
  const offering = { instanceType: 'm5.large', zone: 'us-west-2a', capacityType: 'spot' };

  it('should hold an offering unavailable for exactly three minutes of the injected clock', () => {
    const clock = new ManualClock(1_000);
    const cache = new UnavailableOfferings(clock);
    cache.markUnavailable(offering);
    expect(cache.isUnavailable(offering)).toBe(true);
    clock.advance(UNAVAILABLE_OFFERING_TTL_MS - 1);
    expect(cache.isUnavailable(offering)).toBe(true);
    clock.advance(1);
    expect(cache.isUnavailable(offering)).toBe(false);
  });

  it('should key on instance type, zone and capacity type together', () => {
    const cache = new UnavailableOfferings(new ManualClock());
    cache.markUnavailable(offering);
    expect(cache.isUnavailable({ ...offering, capacityType: 'on-demand' })).toBe(false);
    expect(cache.isUnavailable({ ...offering, zone: 'us-west-2b' })).toBe(false);
    expect(cache.isUnavailable({ ...offering, instanceType: 'm5.xlarge' })).toBe(false);
  });

  it('should restart the TTL when the offering fails again, and change its version on mark and on expiry', () => {
    const clock = new ManualClock();
    const cache = new UnavailableOfferings(clock);
    const v0 = cache.version();
    cache.markUnavailable(offering);
    const v1 = cache.version();
    expect(v1).toBeGreaterThan(v0);
    clock.advance(UNAVAILABLE_OFFERING_TTL_MS - 10);
    cache.markUnavailable(offering);
    clock.advance(20);
    expect(cache.isUnavailable(offering)).toBe(true);
    const beforeExpiry = cache.version();
    clock.advance(UNAVAILABLE_OFFERING_TTL_MS);
    expect(cache.version()).toBeGreaterThan(beforeExpiry);
    expect(cache.isUnavailable(offering)).toBe(false);
  });
});
