import { describe, expect, it } from '@jest/globals';
import { AwsApiError, awsErrorCode, call, isAlreadyExists, isNotFound, isRetryable, toAwsApiError } from './errors.js';

/** The shape of an SDK v3 service exception, as the EC2 client throws it. */
const sdkError = (name: string, httpStatusCode: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), {
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, attempts: 3, totalRetryDelay: 740 },
    ...extra,
  });

describe('AWS error classification', () => {
  it.each([
    ['RequestLimitExceeded', 503, true],
    ['ThrottlingException', 400, true],
    ['InternalError', 500, true],
    ['ServiceUnavailable', 503, true],
    ['SomethingNew', 502, true],
    ['IdempotentParameterMismatch', 400, true],
    ['UnauthorizedOperation', 403, false],
    ['InvalidParameterValue', 400, false],
    ['InvalidInstanceID.NotFound', 400, false],
  ])('should classify %s (HTTP %i) as retryable=%s', (code, status, retryable) => {
    expect(isRetryable(sdkError(code, status))).toBe(retryable);
  });

  it('should read the code from Code, code or name, in that order', () => {
    expect(awsErrorCode({ Code: 'A', name: 'B' })).toBe('A');
    expect(awsErrorCode({ name: 'InvalidInstanceID.NotFound' })).toBe('InvalidInstanceID.NotFound');
    expect(awsErrorCode(new Error('plain'))).toBeUndefined();
    expect(awsErrorCode('string')).toBeUndefined();
  });

  it('should recognise not-found and already-exists codes, also on an AwsApiError', () => {
    expect(isNotFound(sdkError('NoSuchEntity', 404))).toBe(true);
    expect(isNotFound(toAwsApiError('iam:GetInstanceProfile', sdkError('NoSuchEntity', 404)))).toBe(true);
    expect(isAlreadyExists(sdkError('InvalidLaunchTemplateName.AlreadyExistsException', 400))).toBe(true);
    expect(isNotFound(sdkError('InternalError', 500))).toBe(false);
  });

  it('should keep the SDK attempt count and backoff delay on the typed error', async () => {
    const error = await call('ec2:CreateFleet', () => Promise.reject(sdkError('RequestLimitExceeded', 503))).catch(
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(AwsApiError);
    expect(error).toMatchObject({
      type: 'AwsApiError',
      action: 'ec2:CreateFleet',
      code: 'RequestLimitExceeded',
      retryable: true,
      httpStatusCode: 503,
      attempts: 3,
      totalRetryDelayMs: 740,
    });
    expect(toAwsApiError('x', error)).toBe(error);
  });
});
