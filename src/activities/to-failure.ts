import { ApplicationFailure } from '@temporalio/common';
import { RequestValidationError, TwilioApiError } from '../twilio/errors';

/**
 * The one place Twilio errors become Temporal failures. Non-retryable Twilio errors become
 * non-retryable ApplicationFailures whose type carries the Twilio code (`Twilio.22131`), so the
 * workflow can decide; a 429's Retry-After becomes the next retry delay. Anything else is rethrown
 * for Temporal's retry policy.
 */
export function toActivityFailure(err: unknown): Error {
  if (err instanceof RequestValidationError) {
    return ApplicationFailure.create({
      type: err.name,
      nonRetryable: true,
      message: err.message,
      details: [err.problems],
    });
  }
  if (err instanceof TwilioApiError) {
    const details = [{ status: err.status, code: err.code, moreInfo: err.moreInfo, twilioMessage: err.twilioMessage }];
    if (!err.retryable) {
      return ApplicationFailure.create({
        type: `Twilio.${err.code ?? err.status}`,
        nonRetryable: true,
        message: err.message,
        details,
      });
    }
    return ApplicationFailure.create({
      type: err.name,
      message: err.message,
      details,
      ...(err.retryAfterMs ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs an activity body, translating its errors with {@link toActivityFailure}. */
export async function classified<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
