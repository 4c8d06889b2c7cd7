/** Stable error type for a string that is not a Kubernetes resource quantity. */
export const INVALID_QUANTITY = 'InvalidQuantity';

export class InvalidQuantityError extends Error {
  readonly type = INVALID_QUANTITY;
  constructor(
    readonly input: string,
    reason: string
  ) {
    super(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': "${input}" ${reason}`
    );
    this.name = 'InvalidQuantityError';
  }
}
