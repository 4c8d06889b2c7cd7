/**
 * The zones a pod could still join a planned NodeClaim in, from its own zone requirement and its zonal
 * topology constraints; undefined when it could be any. Lets the scheduler skip NodeClaims already narrowed to
 * other zones, which the full check would refuse anyway.
 */
import { LABEL_ZONE } from './labels.js';
import type { PodClass } from './podclass.js';

export function allowedZones(podClass: PodClass): ReadonlySet<string> | undefined {
  let allowed: Set<string> | undefined;
  const restrict = (zones: Set<string>): void => {
    if (allowed === undefined) {
      allowed = zones;
      return;
    }
    for (const zone of allowed) if (!zones.has(zone)) allowed.delete(zone);
  };
  const own = podClass.requirements.get(LABEL_ZONE);
  if (own !== undefined && !own.complement) restrict(new Set(own.sortedValues()));
  for (const { group, selfSelecting } of podClass.topology.quickChecks) {
    if (group.key !== LABEL_ZONE) continue;
    const zones = group.admissibleDomains(selfSelecting, podClass.strictRequirements.get(LABEL_ZONE));
    if (zones !== undefined) restrict(zones);
  }
  return allowed;
}
