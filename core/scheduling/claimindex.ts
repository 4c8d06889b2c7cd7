/**
 * NodeClaims planned in this solve, in the order Karpenter visits them (fewest pods first, then oldest), kept sorted
 * that way and additionally partitioned by zone. A pod whose topology pins it to some zones visits only
 * those zones' NodeClaims and the ones whose zone is still open, merged back into the same global order, so it
 * lands exactly where a full scan would have put it without touching the NodeClaims it could never join.
 */
import { LABEL_ZONE } from './labels.js';
import type { PlannedNodeClaim } from './nodeclaim.js';

const OPEN = '\u0000open';

/**
 * Claim ids sorted by (pod count, id), counts alongside. Two flat arrays rather than per-count buckets: a commit
 * moves a claim up one count, which emptied one bucket and created another every time (garbage on the hottest
 * path), while a splice within one array is a short memmove.
 */
class Order {
  readonly ids: number[] = [];
  readonly counts: number[] = [];

  /** Whether the entry at i comes before (count, id). */
  private precedes(i: number, count: number, id: number): boolean {
    const at = this.counts[i] ?? 0;
    return at < count || (at === count && (this.ids[i] ?? 0) < id);
  }

  /** Where (count, id) is or would go. */
  private position(count: number, id: number): number {
    let lo = 0;
    let hi = this.ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.precedes(mid, count, id)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(count: number, id: number): void {
    const at = this.position(count, id);
    this.ids.splice(at, 0, id);
    this.counts.splice(at, 0, count);
  }

  /**
   * Re-files id from one count to another in place, shifting only the entries in between: a commit raises a claim's
   * count by one, which usually moves it a few places.
   */
  move(from: number, to: number, id: number): void {
    let at = this.position(from, id);
    if (this.ids[at] !== id || this.counts[at] !== from) return this.insert(to, id);
    for (; at + 1 < this.ids.length && this.precedes(at + 1, to, id); at++) {
      this.ids[at] = this.ids[at + 1] ?? 0;
      this.counts[at] = this.counts[at + 1] ?? 0;
    }
    for (; at > 0 && !this.precedes(at - 1, to, id); at--) {
      this.ids[at] = this.ids[at - 1] ?? 0;
      this.counts[at] = this.counts[at - 1] ?? 0;
    }
    this.ids[at] = id;
    this.counts[at] = to;
  }

  delete(count: number, id: number): void {
    const at = this.position(count, id);
    if (this.ids[at] !== id || this.counts[at] !== count) return;
    this.ids.splice(at, 1);
    this.counts.splice(at, 1);
  }
}

export class ClaimIndex {
  private readonly all = new Order();
  private readonly byZone = new Map<string, Order>();
  /** Where each claim is filed: pod count and zone partition. */
  private readonly filed = new Map<number, { count: number; zone: string }>();

  private partition(zone: string): Order {
    let order = this.byZone.get(zone);
    if (order === undefined) this.byZone.set(zone, (order = new Order()));
    return order;
  }

  /** Files a new claim, or re-files one whose pod count or zone changed. */
  update(claim: PlannedNodeClaim): void {
    const count = claim.podKeys.length;
    const zone = claim.requirements.get(LABEL_ZONE)?.single() ?? OPEN;
    const previous = this.filed.get(claim.id);
    if (previous === undefined) {
      this.all.insert(count, claim.id);
      this.partition(zone).insert(count, claim.id);
      this.filed.set(claim.id, { count, zone });
      return;
    }
    if (previous.count === count && previous.zone === zone) return;
    this.all.move(previous.count, count, claim.id);
    if (previous.zone === zone) this.partition(zone).move(previous.count, count, claim.id);
    else {
      this.partition(previous.zone).delete(previous.count, claim.id);
      this.partition(zone).insert(count, claim.id);
    }
    previous.count = count;
    previous.zone = zone;
  }

  /**
   * Claim ids in visiting order, restricted to the given zones (plus zone-open claims) when zones are given. Valid
   * until the next `update`: the caller stops iterating once it commits a pod.
   */
  ids(zones: ReadonlySet<string> | undefined): Iterable<number> {
    // The unrestricted order is the live array: no copy, no generator, per pod.
    if (zones === undefined) return this.all.ids;
    return this.merged(zones);
  }

  /** A lazy merge of the zone partitions' orders (callers stop early). */
  private *merged(zones: ReadonlySet<string>): Generator<number> {
    const orders: Order[] = [];
    for (const zone of [OPEN, ...zones]) {
      const order = this.byZone.get(zone);
      if (order !== undefined && order.ids.length > 0) orders.push(order);
    }
    const cursors = new Array<number>(orders.length).fill(0);
    for (;;) {
      let best = -1;
      let bestCount = 0;
      let bestId = 0;
      for (let i = 0; i < orders.length; i++) {
        const order = orders[i] as Order;
        const at = cursors[i] ?? 0;
        if (at >= order.ids.length) continue;
        const count = order.counts[at] ?? 0;
        const id = order.ids[at] ?? 0;
        if (best < 0 || count < bestCount || (count === bestCount && id < bestId)) {
          best = i;
          bestCount = count;
          bestId = id;
        }
      }
      if (best < 0) return;
      cursors[best] = (cursors[best] ?? 0) + 1;
      yield bestId;
    }
  }
}
