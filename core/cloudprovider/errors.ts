/**
 * The CloudProvider error vocabulary (Karpenter `pkg/cloudprovider/types.go`). Callers branch on the stable
 * `type` string, never on `instanceof`: class identity does not survive Temporal's failure conversion, the
 * workflow sandbox or Jest's module registry. The same strings are used as `ApplicationFailure.type`.
 */

export const CloudProviderErrorType = {
  NodeClaimNotFound: 'NodeClaimNotFound',
  InsufficientCapacity: 'InsufficientCapacity',
  NodeClassNotReady: 'NodeClassNotReady',
  CreateError: 'CreateError',
} as const;
export type CloudProviderErrorType = (typeof CloudProviderErrorType)[keyof typeof CloudProviderErrorType];

export abstract class CloudProviderError extends Error {
  abstract readonly type: CloudProviderErrorType;
}

/** The instance behind a NodeClaim does not exist (never launched, or already terminated). Delete treats it as done. */
export class NodeClaimNotFoundError extends CloudProviderError {
  readonly type = CloudProviderErrorType.NodeClaimNotFound;
  override readonly name = 'NodeClaimNotFoundError';
}

/**
 * No offering of any allowed instance type could be launched (EC2 ICE, unfulfillable capacity). The NodeClaim is
 * deleted and its pods are planned again without the offerings that failed.
 */
export class InsufficientCapacityError extends CloudProviderError {
  readonly type = CloudProviderErrorType.InsufficientCapacity;
  override readonly name = 'InsufficientCapacityError';
  constructor(
    message: string,
    /** The offerings that failed, so the caller can mark them unavailable. */
    readonly unavailableOfferings: { instanceType: string; zone: string; capacityType: string }[] = []
  ) {
    super(message);
  }
}

/** The NodeClaim's node class (EC2NodeClass) is not Ready; the NodeClaim is deleted (`nodeclass_not_ready`). */
export class NodeClassNotReadyError extends CloudProviderError {
  readonly type = CloudProviderErrorType.NodeClassNotReady;
  override readonly name = 'NodeClassNotReadyError';
}

/**
 * Any other launch failure. `conditionReason`/`conditionMessage` go onto `Launched=Unknown`; the launch is
 * retried with backoff until the 5 minute launch timeout.
 */
export class CreateError extends CloudProviderError {
  readonly type = CloudProviderErrorType.CreateError;
  override readonly name = 'CreateError';
  constructor(
    message: string,
    readonly conditionReason: string = 'LaunchFailed',
    readonly conditionMessage: string = message
  ) {
    super(message);
  }
}

function hasType(error: unknown, type: CloudProviderErrorType): boolean {
  return typeof error === 'object' && error !== null && (error as { type?: unknown }).type === type;
}

export const isNodeClaimNotFoundError = (error: unknown): boolean =>
  hasType(error, CloudProviderErrorType.NodeClaimNotFound);
export const isInsufficientCapacityError = (error: unknown): boolean =>
  hasType(error, CloudProviderErrorType.InsufficientCapacity);
export const isNodeClassNotReadyError = (error: unknown): boolean =>
  hasType(error, CloudProviderErrorType.NodeClassNotReady);
export const isCreateError = (error: unknown): boolean => hasType(error, CloudProviderErrorType.CreateError);
