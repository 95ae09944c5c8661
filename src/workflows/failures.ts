/**
 * What can end an order in failure, what can park it as "Needs Attention", and how an activity's
 * failure is read into either. Pure: no workflow context needed, so unit tests call it directly.
 * Messages come from our own text or from Twilio's error body (never from the order), so they
 * never hold a PIN or an account number.
 */
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';

/** `failure.type` of a failed order (the type of the workflow's ApplicationFailure too). */
export const PortInFailureType = {
  /** A number needs a PIN and an account number the order lacks; nothing was created. */
  PinAndAccountNumberRequired: 'PinAndAccountNumberRequired',
  /** Twilio refused a step for good (a 4xx at portability, upload or create); `code` is Twilio's. */
  TwilioRefused: 'TwilioRefused',
  /** The request was invalid before it was sent (client-side validation); nothing reached Twilio. */
  RequestInvalid: 'RequestInvalid',
  /** The utility bill could not be read (missing, not a file, empty, too large, wrong type). */
  UtilityBillUnreadable: 'UtilityBillUnreadable',
  /** The step kept failing with retryable errors until its attempts ran out. */
  AttemptsExhausted: 'AttemptsExhausted',
  /** Anything else: a bug of ours (the message says what). */
  Unexpected: 'Unexpected',
} as const;
export type PortInFailureType = (typeof PortInFailureType)[keyof typeof PortInFailureType];

/** Why an update was refused (the ApplicationFailure's type), besides `Twilio.<code>` for Twilio's own refusals. */
export const UpdateRefusalType = {
  InvalidArgument: 'InvalidArgument',
  InvalidState: 'InvalidState',
  UnknownPhoneNumber: 'UnknownPhoneNumber',
  CancelCutoffPassed: 'CancelCutoffPassed',
  /** Twilio could not be reached or kept failing; nothing changed. */
  TwilioUnavailable: 'TwilioUnavailable',
} as const;
export type UpdateRefusalType = (typeof UpdateRefusalType)[keyof typeof UpdateRefusalType];

/** Why an order is parked as "Needs Attention" (it resumes by itself once Twilio answers again). */
export const AttentionReason = {
  /** 401/403 or Twilio 20003: the worker's credentials are refused. */
  CredentialsRefused: 'CredentialsRefused',
  /** 404 on a request (or number) the order owns. */
  RequestNotFound: 'RequestNotFound',
  /** 5xx, timeouts or refused connections, for every attempt of a call. */
  TwilioUnavailable: 'TwilioUnavailable',
  /** Any other refusal of a read the order needs. */
  TwilioRefused: 'TwilioRefused',
} as const;
export type AttentionReason = (typeof AttentionReason)[keyof typeof AttentionReason];

/** An order's failure, as kept in its state and shown by `portInStatus`. */
export interface OrderFailure {
  type: PortInFailureType;
  /** Twilio's error code (or HTTP status when the body had none), else null. */
  code: number | null;
  message: string;
}

/** What an activity failure says, read once so every caller decides on the same facts. */
export interface TwilioFailureFacts {
  /** `Twilio.<code>`, `RequestValidationError`, `TwilioServerError`, ... or null when unknown. */
  type: string | null;
  status: number | null;
  code: number | null;
  moreInfo: string | null;
  message: string;
  /** Twilio will answer the same way again (a 4xx, a validation error). */
  nonRetryable: boolean;
  /** Every attempt failed with a retryable error (5xx, timeout) until the retry policy gave up. */
  exhausted: boolean;
  activityType: string | null;
}

interface TwilioDetails {
  status?: number | null;
  code?: number | null;
  moreInfo?: string | null;
}

function detailsOf(failure: ApplicationFailure): TwilioDetails {
  const first = failure.details?.[0];
  return first && typeof first === 'object' && !Array.isArray(first) ? (first as TwilioDetails) : {};
}

/** Reads an error thrown by an activity call (normally an ActivityFailure wrapping the last attempt's failure). */
export function twilioFailureFacts(err: unknown): TwilioFailureFacts {
  const activity = err instanceof ActivityFailure ? err : null;
  const cause = activity ? activity.cause : err;
  const exhausted =
    activity?.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED || activity?.retryState === RetryState.TIMEOUT;
  const base = {
    activityType: activity?.activityType ?? null,
    exhausted,
  };
  if (cause instanceof ApplicationFailure) {
    const d = detailsOf(cause);
    return {
      ...base,
      type: cause.type ?? null,
      status: typeof d.status === 'number' ? d.status : null,
      code: typeof d.code === 'number' ? d.code : null,
      moreInfo: typeof d.moreInfo === 'string' ? d.moreInfo : null,
      message: cause.message,
      nonRetryable: cause.nonRetryable === true || activity?.retryState === RetryState.NON_RETRYABLE_FAILURE,
    };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      ...base,
      type: 'Timeout',
      status: null,
      code: null,
      moreInfo: null,
      message: `the call timed out (${cause.timeoutType ?? 'timeout'})`,
      nonRetryable: false,
    };
  }
  return {
    ...base,
    type: null,
    status: null,
    code: null,
    moreInfo: null,
    message: cause instanceof Error ? cause.message : String(cause),
    nonRetryable: activity?.retryState === RetryState.NON_RETRYABLE_FAILURE,
  };
}

/** Twilio's code when it gave one, else the HTTP status. */
function codeOf(f: TwilioFailureFacts): number | null {
  return f.code ?? (f.status && f.status > 0 ? f.status : null);
}

/**
 * The failure an order ends with when a step (portability, upload, create) throws. Everything that
 * ends the workflow goes through here, so every ending has a type, a code and a message.
 */
export function orderFailureOf(err: unknown, step: string): OrderFailure {
  const f = twilioFailureFacts(err);
  const code = codeOf(f);
  if (f.type === 'RequestValidationError' || f.type === 'PortInValidationError') {
    const bill = f.activityType === 'uploadUtilityBill';
    return {
      type: bill ? PortInFailureType.UtilityBillUnreadable : PortInFailureType.RequestInvalid,
      code: null,
      message: `${step} failed: ${bill ? 'the utility bill cannot be used' : 'the request is invalid'}: ${f.message}`,
    };
  }
  if (f.type?.startsWith('Twilio.')) {
    return { type: PortInFailureType.TwilioRefused, code, message: `${step} failed: Twilio refused it: ${f.message}` };
  }
  if (f.exhausted) {
    return {
      type: PortInFailureType.AttemptsExhausted,
      code,
      message: `${step} failed: every attempt failed, the last with: ${f.message}`,
    };
  }
  return { type: PortInFailureType.Unexpected, code, message: `${step} failed: ${f.message}` };
}

/** Credentials refused: 401, 403, or Twilio's 20003 whatever the status. */
export function isCredentialsRefusal(f: Pick<TwilioFailureFacts, 'status' | 'code'>): boolean {
  return f.status === 401 || f.status === 403 || f.code === 20003;
}

/**
 * Whether a failed call the order needs (reconcile, cancel, resubmit) should park the order instead
 * of failing it, and why. Null means "a refusal of this particular action" (an update reports it to
 * its caller and the order goes on).
 */
export function attentionReasonOf(f: TwilioFailureFacts): AttentionReason | null {
  if (isCredentialsRefusal(f)) return AttentionReason.CredentialsRefused;
  if (f.status === 404 || f.code === 20404) return AttentionReason.RequestNotFound;
  if (!f.nonRetryable) return AttentionReason.TwilioUnavailable;
  return null;
}

/**
 * The ApplicationFailure an update rejects with when Twilio refused its call: Twilio's code as the
 * type (`Twilio.<code>`) and in the message, with status and moreInfo as details, so the caller sees
 * Twilio's reason instead of "Activity task failed".
 */
export function twilioRefusal(err: unknown, action: string): ApplicationFailure {
  const f = twilioFailureFacts(err);
  const code = codeOf(f);
  if (f.type === 'RequestValidationError' || f.type === 'PortInValidationError') {
    return ApplicationFailure.create({
      type: f.type,
      nonRetryable: true,
      message: `Refused before reaching Twilio, ${action}: ${f.message}`,
    });
  }
  if (!f.nonRetryable) {
    return ApplicationFailure.create({
      type: UpdateRefusalType.TwilioUnavailable,
      nonRetryable: true,
      message: `Twilio did not answer ${action} (nothing changed; try again later): ${f.message}`,
      details: [{ status: f.status, code: f.code, moreInfo: f.moreInfo }],
    });
  }
  return ApplicationFailure.create({
    type: f.type?.startsWith('Twilio.') ? f.type : `Twilio.${code ?? 'unknown'}`,
    nonRetryable: true,
    message: `Twilio refused ${action}: ${code ?? 'no code'} ${f.message}`,
    details: [{ status: f.status, code: f.code, moreInfo: f.moreInfo }],
  });
}

/**
 * Twilio's own words for a refusal (the error body's `message`, without the status, code and path
 * the client adds), when the activity's failure carries them; else the failure's message.
 */
export function twilioMessageOf(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const said = detailsOf(cause) as { twilioMessage?: unknown };
    if (typeof said.twilioMessage === 'string' && said.twilioMessage !== '') return said.twilioMessage;
  }
  return twilioFailureFacts(err).message;
}
