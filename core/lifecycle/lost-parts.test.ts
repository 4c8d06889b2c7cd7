import { describe, expect, it } from '@jest/globals';
import { findLostParts, type SweptNodeClaim } from './lost-parts.js';

const claim = (name: string, extra: Partial<SweptNodeClaim> = {}): SweptNodeClaim => ({
  name,
  deleting: false,
  nodeName: `node-${name}`,
  providerID: `aws:///us-west-2a/i-${name}`,
  ...extra,
});
const node = (name: string, deleting = false) => ({ name: `node-${name}`, deleting });
const live = (...names: string[]) => new Set(names.map((n) => `aws:///us-west-2a/i-${n}`));

describe('the lifecycle sweep', () => {
  it('reports nothing for running NodeClaims whose NodeClaim, Node and instance are all there', () => {
    expect(findLostParts(['a', 'b'], [claim('a'), claim('b')], [node('a'), node('b')], live('a', 'b'))).toEqual([]);
  });

  it('reports a NodeClaim that is gone or being deleted, a Node gone or being deleted, and an instance gone', () => {
    const lost = findLostParts(
      ['gone', 'deleting', 'node-gone', 'node-deleting', 'instance-gone', 'healthy'],
      [
        claim('deleting', { deleting: true }),
        claim('node-gone'),
        claim('node-deleting'),
        claim('instance-gone'),
        claim('healthy'),
      ],
      [node('deleting'), node('node-deleting', true), node('instance-gone'), node('healthy')],
      live('deleting', 'node-gone', 'node-deleting', 'healthy')
    );
    expect(lost).toEqual([
      { nodeClaim: 'gone', lost: 'NodeClaim' },
      { nodeClaim: 'deleting', lost: 'NodeClaim' },
      { nodeClaim: 'node-gone', lost: 'Node' },
      { nodeClaim: 'node-deleting', lost: 'Node' },
      { nodeClaim: 'instance-gone', lost: 'Instance' },
    ]);
  });

  it('names the NodeClaim first when everything went at once, so the reason shown is the deletion', () => {
    expect(findLostParts(['a'], [claim('a', { deleting: true })], [], new Set())).toEqual([
      { nodeClaim: 'a', lost: 'NodeClaim' },
    ]);
  });

  it('only looks at the NodeClaims whose workflow runs: a NodeClaim without a running workflow is not its business', () => {
    expect(findLostParts([], [claim('a', { deleting: true })], [], new Set())).toEqual([]);
  });

  it('does not judge a Node or an instance the NodeClaim has not recorded yet', () => {
    expect(findLostParts(['a'], [{ name: 'a', deleting: false }], [], new Set())).toEqual([]);
  });
});
