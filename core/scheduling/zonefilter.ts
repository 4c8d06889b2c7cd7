/**
 * The zones a pod could still join a planned NodeClaim in, from its own zone requirement and its zonal
 * topology constraints; undefined when it could be any. Lets the scheduler skip NodeClaims already narrowed to
 * other zones, which the full check would refuse anyway.
 */
import { LABEL_ZONE } from './labels.js';
import type { PodClass } from './podclass.js';

/** `allowed` narrowed to `zones` (in place once it is ours); a plain function, not a closure made per call. */
function restrict(allowed: Set<string> | undefined, zones: Set<string>): Set<string> {
  if (allowed === undefined) return zones;
  for (const zone of allowed) if (!zones.has(zone)) allowed.delete(zone);
  return allowed;
}

export function allowedZones(podClass: PodClass): ReadonlySet<string> | undefined {
  let allowed: Set<string> | undefined;
  const own = podClass.requirements.get(LABEL_ZONE);
  if (own !== undefined && !own.complement) allowed = restrict(allowed, new Set(own.sortedValues()));
  for (const { group, selfSelecting } of podClass.topology.quickChecks) {
    if (group.key !== LABEL_ZONE) continue;
    const zones = group.admissibleDomains(selfSelecting, podClass.strictRequirements.get(LABEL_ZONE));
    if (zones !== undefined) allowed = restrict(allowed, zones);
  }
  return allowed;
}
