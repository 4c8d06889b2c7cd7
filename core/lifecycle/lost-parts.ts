/** What a running NodeClaim can lose outside its workflow: the NodeClaim object, its Node, or its instance. */
export type LostPart = 'NodeClaim' | 'Node' | 'Instance';

export interface SweptNodeClaim {
  name: string;
  deleting: boolean;
  nodeName?: string;
  providerID?: string;
}

export interface SweptNode {
  name: string;
  deleting: boolean;
}

export interface LostNodeClaimPart {
  nodeClaim: string;
  lost: LostPart;
}

/**
 * The running NodeClaims whose NodeClaim, Node or instance is gone or going, as one cluster-wide list shows them:
 * what a per-workflow re-read would have found, for the whole fleet in one pass. Each NodeClaim is reported for
 * the first part it lost, in that order (the NodeClaim's own deletion says the most about why). The caller confirms
 * each finding with a direct read before acting: a list can be a moment old.
 */
export function findLostParts(
  running: readonly string[],
  nodeClaims: readonly SweptNodeClaim[],
  nodes: readonly SweptNode[],
  liveProviderIDs: ReadonlySet<string>
): LostNodeClaimPart[] {
  const claimByName = new Map(nodeClaims.map((c) => [c.name, c]));
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const lost: LostNodeClaimPart[] = [];
  for (const name of running) {
    const claim = claimByName.get(name);
    if (!claim || claim.deleting) {
      lost.push({ nodeClaim: name, lost: 'NodeClaim' });
      continue;
    }
    const node = claim.nodeName === undefined ? undefined : nodeByName.get(claim.nodeName);
    if (claim.nodeName !== undefined && (!node || node.deleting)) {
      lost.push({ nodeClaim: name, lost: 'Node' });
      continue;
    }
    if (claim.providerID !== undefined && !liveProviderIDs.has(claim.providerID))
      lost.push({ nodeClaim: name, lost: 'Instance' });
  }
  return lost;
}
