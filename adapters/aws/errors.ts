/**
 * AWS error vocabulary (after Karpenter `pkg/errors/errors.go`): named code sets, and the translation of SDK errors
 * into errors with a stable `type` and an explicit `retryable` flag.
 *
 * Retries of throttling and 5xx answers happen inside the SDK (its standard retry strategy, exponential backoff
 * with jitter, `maxAttempts` set by whoever builds the client). What reaches this module has exhausted those
 * attempts or is not retryable at all; `attempts` and `totalRetryDelayMs` come from the SDK's `$metadata` so a
 * caller (and a test) can see that the backoff happened.
 */

/** Capacity answers: the offering cannot be launched now; Karpenter marks it unavailable for 3 minutes. */
export const UNFULFILLABLE_CAPACITY_CODES: ReadonlySet<string> = new Set([
  'InsufficientInstanceCapacity',
  'InsufficientCapacity',
  'MaxSpotInstanceCountExceeded',
  'VcpuLimitExceeded',
  'UnfulfillableCapacity',
  'Unsupported',
  'InsufficientFreeAddressesInSubnet',
  'ReservationCapacityExceeded',
  'SpotMaxPriceTooLow',
]);

/** The thing asked for does not exist (instance, launch template, instance profile, AMI, parameter). */
export const NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
  'InvalidLaunchTemplateName.NotFoundException',
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateId.Malformed',
  'InvalidAMIID.NotFound',
  'NoSuchEntity',
  'NoSuchEntityException',
  'ParameterNotFound',
]);

/** A launch named a template that no longer exists (deleted by another worker or the unused-template sweep). */
export const LAUNCH_TEMPLATE_NOT_FOUND_CODES: ReadonlySet<string> = new Set([
  'InvalidLaunchTemplateName.NotFoundException',
  'InvalidLaunchTemplateId.NotFound',
  'InvalidLaunchTemplateId.VersionNotFound',
]);

export const ALREADY_EXISTS_CODES: ReadonlySet<string> = new Set([
  'EntityAlreadyExists',
  'EntityAlreadyExistsException',
  'InvalidLaunchTemplateName.AlreadyExistsException',
]);

/** Throttling codes the SDK's standard retry strategy also treats as throttling (@smithy/service-error-classification). */
export const THROTTLING_CODES: ReadonlySet<string> = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'SlowDown',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
  'LimitExceededException',
]);

/** Server-side and transport codes worth another attempt later. */
export const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'IdempotentParameterMismatch',
]);

export const AWS_API_ERROR = 'AwsApiError';

/** An AWS call that failed after the SDK's own retries, with a stable `type` and whether trying again may help. */
export class AwsApiError extends Error {
  readonly type = AWS_API_ERROR;
  override readonly name = 'AwsApiError';
  constructor(
    message: string,
    readonly action: string,
    readonly code: string,
    readonly retryable: boolean,
    readonly httpStatusCode?: number,
    readonly attempts?: number,
    readonly totalRetryDelayMs?: number
  ) {
    super(message);
  }
}

interface SdkErrorShape {
  name?: unknown;
  Code?: unknown;
  code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: number; attempts?: number; totalRetryDelay?: number };
}

/** The AWS error code of an SDK error (`RequestLimitExceeded`, `InvalidInstanceID.NotFound`, ...), if it has one. */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const shape = error as SdkErrorShape;
  for (const candidate of [shape.Code, shape.code, shape.name]) {
    if (typeof candidate === 'string' && candidate !== '' && candidate !== 'Error') return candidate;
  }
  return undefined;
}

export const isNotFound = (error: unknown): boolean => NOT_FOUND_CODES.has(awsErrorCode(error) ?? '');
export const isAlreadyExists = (error: unknown): boolean => ALREADY_EXISTS_CODES.has(awsErrorCode(error) ?? '');
export const isUnfulfillableCapacityCode = (code: string | undefined): boolean =>
  UNFULFILLABLE_CAPACITY_CODES.has(code ?? '');

/** Throttling, 5xx and transport failures are retryable; validation, authorisation and not-found are not. */
export function isRetryable(error: unknown): boolean {
  const code = awsErrorCode(error);
  if (code !== undefined && (THROTTLING_CODES.has(code) || TRANSIENT_CODES.has(code))) return true;
  if (typeof error !== 'object' || error === null) return false;
  const shape = error as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  // No HTTP answer at all (connection refused, reset, DNS): a transport failure.
  return (
    status === undefined &&
    shape.$fault === undefined &&
    code !== undefined &&
    /ECONN|EPIPE|ETIMEDOUT|socket/i.test(String(shape.message))
  );
}

/** Wraps any error from an AWS call into an AwsApiError (idempotent: an AwsApiError is returned as is). */
export function toAwsApiError(action: string, error: unknown): AwsApiError {
  if (error instanceof AwsApiError) return error;
  const code = awsErrorCode(error) ?? 'Unknown';
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const message = typeof shape.message === 'string' ? shape.message : String(error);
  return new AwsApiError(
    `${action}: ${code}: ${message}`,
    action,
    code,
    isRetryable(error),
    shape.$metadata?.httpStatusCode,
    shape.$metadata?.attempts,
    shape.$metadata?.totalRetryDelay
  );
}

/** Runs one AWS call and turns its failure into an AwsApiError naming the action. */
export async function call<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toAwsApiError(action, error);
  }
}
