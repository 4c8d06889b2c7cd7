/**
 * Volume topology (Karpenter `volumetopology.go`): a pod's PersistentVolumeClaims pin it to where its volumes
 * are (a bound PV's node affinity) or can be created (a StorageClass's allowedTopologies).
 */
import { normalizeKey } from './labels.js';
import type { NodeSelectorRequirement, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from './types.js';

/** Set by the PV controller once a claim is bound (kube-scheduler volumebinding `binder.go`). */
const ANNOTATION_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';

export interface VolumeLookup {
  claims: ReadonlyMap<string, PersistentVolumeClaim>;
  volumes: ReadonlyMap<string, PersistentVolume>;
  storageClasses: ReadonlyMap<string, StorageClass>;
}

export function volumeLookup(
  claims: readonly PersistentVolumeClaim[] = [],
  volumes: readonly PersistentVolume[] = [],
  storageClasses: readonly StorageClass[] = []
): VolumeLookup {
  return {
    claims: new Map(claims.map((c) => [`${c.metadata.namespace ?? 'default'}/${c.metadata.name}`, c])),
    volumes: new Map(volumes.map((v) => [v.metadata.name, v])),
    storageClasses: new Map(storageClasses.map((s) => [s.metadata.name, s])),
  };
}

/**
 * Requirements of a pod's volumes, or an error naming the claim that cannot be resolved. Alternatives (several
 * node-selector terms) on a single key are merged into one `In` over the union of their values, which is exact for
 * the usual one-key zone terms; with several keys the first term is used.
 */
export function volumeRequirements(pod: Pod, lookup: VolumeLookup): NodeSelectorRequirement[] | string {
  const namespace = pod.metadata.namespace ?? 'default';
  const result: NodeSelectorRequirement[] = [];
  for (const volume of pod.spec.volumes ?? []) {
    const claimName = volume.persistentVolumeClaim?.claimName;
    if (claimName === undefined) continue;
    const claim = lookup.claims.get(`${namespace}/${claimName}`);
    if (claim === undefined) return `persistentvolumeclaim "${claimName}" not found`;
    // Karpenter `ValidatePersistentVolumeClaims` (volumetopology.go:226-283): a pod whose claims kube-scheduler would
    // reject is ignored, not provisioned for.
    if (claim.metadata.deletionTimestamp) return `persistentvolumeclaim "${claimName}" is being deleted`;
    if (claim.status?.phase === 'Lost') {
      return `persistentvolumeclaim "${claimName}" bound to non-existent persistentvolume`;
    }
    let terms: NodeSelectorRequirement[][];
    if (claim.spec.volumeName) {
      const pv = lookup.volumes.get(claim.spec.volumeName);
      if (pv === undefined) return `persistentvolume "${claim.spec.volumeName}" of claim "${claimName}" not found`;
      if (pv.metadata.deletionTimestamp) return `persistentvolume "${claim.spec.volumeName}" is being deleted`;
      // kube-scheduler treats a claim with a volumeName as bound only once the PV controller has annotated it.
      if (claim.metadata.annotations?.[ANNOTATION_BIND_COMPLETED] === undefined) {
        return `pvc "${claimName}" is considered unbound because it does not contain annotation ${ANNOTATION_BIND_COMPLETED}`;
      }
      terms = (pv.spec.nodeAffinity?.required?.nodeSelectorTerms ?? []).map((t) => t.matchExpressions ?? []);
    } else {
      if (!claim.spec.storageClassName) return `unbound pvc "${claimName}" must define a storage class`;
      const storageClass = lookup.storageClasses.get(claim.spec.storageClassName);
      if (storageClass === undefined) return `storageclass "${claim.spec.storageClassName}" not found`;
      // The API server defaults volumeBindingMode to Immediate; such a claim is bound before any pod schedules.
      if ((storageClass.volumeBindingMode ?? 'Immediate') === 'Immediate') {
        return `pvc "${claimName}" with immediate volume binding mode must be bound`;
      }
      terms = (storageClass.allowedTopologies ?? []).map((t) =>
        (t.matchLabelExpressions ?? []).map((e) => ({ key: e.key, operator: 'In', values: e.values }))
      );
    }
    terms = terms.filter((t) => t.length > 0);
    if (terms.length === 0) continue;
    const keys = new Set(terms.flat().map((e) => e.key));
    const onlyKey = [...keys][0];
    if (keys.size === 1 && onlyKey !== undefined && terms.every((t) => t.every((e) => e.operator === 'In'))) {
      const values = new Set(terms.flat().flatMap((e) => e.values ?? []));
      result.push({ key: normalizeKey(onlyKey), operator: 'In', values: [...values].sort() });
    } else {
      result.push(...(terms[0] ?? []).map((e) => ({ ...e, key: normalizeKey(e.key) })));
    }
  }
  return result;
}
