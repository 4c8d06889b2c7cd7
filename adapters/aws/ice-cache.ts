import type { Clock } from './clock.js';

/** How long an offering stays unavailable after an insufficient-capacity answer (Karpenter `UnavailableOfferingsTTL`). */
export const UNAVAILABLE_OFFERING_TTL_MS = 3 * 60 * 1000;

export interface OfferingKey {
  instanceType: string;
  zone: string;
  capacityType: string;
}

/**
 * Offerings recently answered with insufficient capacity (Karpenter's `UnavailableOfferings`, the "ICE cache").
 * The catalogue reports them `available: false` until their entry expires, so the solver plans around them and
 * a relaunch does not ask EC2 for the same empty pool again. Time comes from the injected clock.
 */
export class UnavailableOfferings {
  private readonly until = new Map<string, number>();
  /** Bumped on every change, so a cached catalogue knows it must rebuild its offerings. */
  private sequence = 0;

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = UNAVAILABLE_OFFERING_TTL_MS
  ) {}

  markUnavailable(offering: OfferingKey): void {
    this.until.set(key(offering), this.clock.now() + this.ttlMs);
    this.sequence++;
  }

  isUnavailable(offering: OfferingKey): boolean {
    const k = key(offering);
    const expiry = this.until.get(k);
    if (expiry === undefined) return false;
    if (this.clock.now() < expiry) return true;
    this.until.delete(k);
    this.sequence++;
    return false;
  }

  /** Changes whenever an entry is added or expires; expiry is noticed on read, so this sweeps first. */
  version(): number {
    const now = this.clock.now();
    for (const [k, expiry] of this.until) {
      if (now >= expiry) {
        this.until.delete(k);
        this.sequence++;
      }
    }
    return this.sequence;
  }
}

const key = (o: OfferingKey): string => `${o.capacityType}:${o.instanceType}:${o.zone}`;
