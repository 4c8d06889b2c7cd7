import { describe, expect, it } from '@jest/globals';
import {
  CreateError,
  InsufficientCapacityError,
  NodeClaimNotFoundError,
  NodeClassNotReadyError,
  isCreateError,
  isInsufficientCapacityError,
  isNodeClaimNotFoundError,
  isNodeClassNotReadyError,
} from './errors.js';

describe('cloud provider errors', () => {
  it('should be recognised by their type string even after a round trip through JSON', () => {
    const errors = [
      new NodeClaimNotFoundError('gone'),
      new InsufficientCapacityError('ice', [{ instanceType: 'm5.large', zone: 'us-east-1a', capacityType: 'spot' }]),
      new NodeClassNotReadyError('not ready'),
      new CreateError('boom', 'LaunchTemplateNotFound'),
    ];
    const guards = [isNodeClaimNotFoundError, isInsufficientCapacityError, isNodeClassNotReadyError, isCreateError];
    errors.forEach((error, i) => {
      const revived: unknown = JSON.parse(JSON.stringify({ type: error.type, message: error.message }));
      guards.forEach((guard, j) => {
        expect(guard(error)).toBe(i === j);
        expect(guard(revived)).toBe(i === j);
      });
    });
    expect(new CreateError('boom').conditionReason).toBe('LaunchFailed');
    expect(isCreateError(undefined)).toBe(false);
  });
});
