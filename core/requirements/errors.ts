/** Stable error types of the requirement algebra; callers branch on `type`, never on `instanceof`. */
export const INVALID_REQUIREMENT = 'InvalidRequirement';

/** A node selector requirement that cannot be turned into a Requirement (unknown operator, `Gt` without one integer...). */
export class InvalidRequirementError extends Error {
  readonly type = INVALID_REQUIREMENT;
  constructor(
    readonly key: string,
    message: string
  ) {
    super(`invalid requirement for key "${key}": ${message}`);
    this.name = 'InvalidRequirementError';
  }
}
