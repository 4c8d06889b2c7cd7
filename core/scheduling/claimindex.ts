/**
 * NodeClaims planned in this solve, in the order Karpenter visits them (fewest pods first, then oldest), kept in
 * per-pod-count buckets and additionally partitioned by zone. A pod whose topology pins it to some zones visits only
 * those zones' NodeClaims and the ones whose zone is still open, merged back into the same global order, so it
 * lands exactly where a full scan would have put it without touching the NodeClaims it could never join.
 */
import { LABEL_ZONE } from './labels.js';
import type { PlannedNodeClaim } from './nodeclaim.js';

const OPEN = '\u0000open';

class Order {
  private readonly buckets = new Map<number, number[]>();
  private counts: number[] = [];

  insert(count: number, id: number): void {
    let bucket = this.buckets.get(count);
    if (bucket === undefined) {
      this.buckets.set(count, (bucket = []));
      this.counts.splice(lowerBound(this.counts, count), 0, count);
    }
    bucket.splice(lowerBound(bucket, id), 0, id);
  }

  delete(count: number, id: number): void {
    const bucket = this.buckets.get(count);
    if (bucket === undefined) return;
    const at = lowerBound(bucket, id);
    if (bucket[at] === id) bucket.splice(at, 1);
    if (bucket.length === 0) {
      this.buckets.delete(count);
      this.counts.splice(lowerBound(this.counts, count), 1);
    }
  }

  /** (count, id) pairs in order; callers stop early, so this is lazy. */
  *entries(): Generator<[number, number]> {
    for (const count of [...this.counts]) {
      const bucket = this.buckets.get(count);
      if (bucket === undefined) continue;
      for (let i = 0; i < bucket.length; i++) yield [count, bucket[i] ?? 0];
    }
  }
}

export function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((sorted[mid] ?? 0) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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
    if (previous !== undefined) {
      if (previous.count === count && previous.zone === zone) return;
      this.all.delete(previous.count, claim.id);
      this.partition(previous.zone).delete(previous.count, claim.id);
    }
    this.all.insert(count, claim.id);
    this.partition(zone).insert(count, claim.id);
    this.filed.set(claim.id, { count, zone });
  }

  /** Claim ids in visiting order, restricted to the given zones (plus zone-open claims) when zones are given. */
  *ids(zones: ReadonlySet<string> | undefined): Generator<number> {
    if (zones === undefined) {
      for (const [, id] of this.all.entries()) yield id;
      return;
    }
    const iterators = [OPEN, ...zones].map((zone) => this.byZone.get(zone)?.entries()).filter((it) => it !== undefined);
    const heads = iterators.map((it) => it.next());
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head === undefined || head.done === true) continue;
        const bestHead = heads[best];
        if (
          best < 0 ||
          bestHead === undefined ||
          bestHead.done === true ||
          head.value[0] < bestHead.value[0] ||
          (head.value[0] === bestHead.value[0] && head.value[1] < bestHead.value[1])
        ) {
          best = i;
        }
      }
      if (best < 0) return;
      const head = heads[best];
      if (head === undefined || head.done === true) return;
      yield head.value[1];
      heads[best] = iterators[best]?.next() as IteratorResult<[number, number]>;
    }
  }
}
