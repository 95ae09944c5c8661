import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import {
  AttentionReason,
  PortInFailureType,
  UpdateRefusalType,
  attentionReasonOf,
  orderFailureOf,
  twilioFailureFacts,
  twilioRefusal,
} from '../../../src/workflows/failures';

/** An activity failure as the workflow receives it: the last attempt's failure as its cause. */
function activityFailure(cause: Error, retryState: RetryState, activityType = 'createPortInRequest'): ActivityFailure {
  return new ActivityFailure('Activity task failed', activityType, '1', retryState, 'worker', cause);
}

const twilio = (status: number, code: number | null, message: string, nonRetryable = true) =>
  ApplicationFailure.create({
    type: nonRetryable ? `Twilio.${code ?? status}` : status >= 500 ? 'TwilioServerError' : 'TwilioConnectionError',
    nonRetryable,
    message,
    details: [{ status, code, moreInfo: code ? `https://www.twilio.com/docs/errors/${code}` : null }],
  });

describe('failures', () => {
  describe('orderFailureOf', () => {
    it('reads a non-retryable Twilio refusal as TwilioRefused with Twilio’s code', () => {
      const err = activityFailure(
        twilio(400, 21608, 'Twilio 400 code 21608: bad number'),
        RetryState.NON_RETRYABLE_FAILURE
      );
      expect(orderFailureOf(err, 'Creating the port-in request')).toEqual({
        type: PortInFailureType.TwilioRefused,
        code: 21608,
        message: 'Creating the port-in request failed: Twilio refused it: Twilio 400 code 21608: bad number',
      });
    });

    it('falls back to the HTTP status when Twilio gave no code', () => {
      const err = activityFailure(twilio(403, null, 'Twilio 403: forbidden'), RetryState.NON_RETRYABLE_FAILURE);
      expect(orderFailureOf(err, 'X')).toMatchObject({ type: PortInFailureType.TwilioRefused, code: 403 });
    });

    it('reads retries run out as AttemptsExhausted, with the last error', () => {
      const err = activityFailure(
        twilio(503, null, 'Twilio 503: unavailable', false),
        RetryState.MAXIMUM_ATTEMPTS_REACHED
      );
      expect(orderFailureOf(err, 'Creating the port-in request')).toEqual({
        type: PortInFailureType.AttemptsExhausted,
        code: 503,
        message: 'Creating the port-in request failed: every attempt failed, the last with: Twilio 503: unavailable',
      });
    });

    it('tells an unreadable bill from an invalid request by the activity that refused', () => {
      const validation = ApplicationFailure.create({
        type: 'RequestValidationError',
        nonRetryable: true,
        message: 'Invalid utility bill upload (1 problem)',
      });
      expect(
        orderFailureOf(activityFailure(validation, RetryState.NON_RETRYABLE_FAILURE, 'uploadUtilityBill'), 'Upload')
      ).toMatchObject({ type: PortInFailureType.UtilityBillUnreadable, code: null });
      const invalid = ApplicationFailure.create({ type: 'PortInValidationError', nonRetryable: true, message: 'm' });
      expect(orderFailureOf(activityFailure(invalid, RetryState.NON_RETRYABLE_FAILURE), 'Create')).toMatchObject({
        type: PortInFailureType.RequestInvalid,
      });
    });

    it('calls anything else Unexpected and keeps its message', () => {
      expect(orderFailureOf(ApplicationFailure.create({ message: 'boom' }), 'Step')).toEqual({
        type: PortInFailureType.Unexpected,
        code: null,
        message: 'Step failed: boom',
      });
    });
  });

  describe('attentionReasonOf', () => {
    const facts = (err: Error) => twilioFailureFacts(activityFailure(err, RetryState.NON_RETRYABLE_FAILURE));
    it('parks on refused credentials: 401, 403 and 20003 whatever the status', () => {
      expect(attentionReasonOf(facts(twilio(401, 20003, 'auth')))).toBe(AttentionReason.CredentialsRefused);
      expect(attentionReasonOf(facts(twilio(403, null, 'forbidden')))).toBe(AttentionReason.CredentialsRefused);
      expect(attentionReasonOf(facts(twilio(400, 20003, 'auth')))).toBe(AttentionReason.CredentialsRefused);
    });
    it('parks on a 404 of an owned request', () => {
      expect(attentionReasonOf(facts(twilio(404, 20404, 'not found')))).toBe(AttentionReason.RequestNotFound);
    });
    it('parks on retryable failures and timeouts that ran out of attempts', () => {
      const exhausted = twilioFailureFacts(
        activityFailure(twilio(500, null, '5xx', false), RetryState.MAXIMUM_ATTEMPTS_REACHED)
      );
      expect(attentionReasonOf(exhausted)).toBe(AttentionReason.TwilioUnavailable);
      const timeout = twilioFailureFacts(
        activityFailure(
          new TimeoutFailure('timed out', undefined, 'START_TO_CLOSE'),
          RetryState.MAXIMUM_ATTEMPTS_REACHED
        )
      );
      expect(attentionReasonOf(timeout)).toBe(AttentionReason.TwilioUnavailable);
    });
    it('does not park on a refusal of the action itself (a 400 about the request)', () => {
      expect(attentionReasonOf(facts(twilio(400, 22131, 'already in a request')))).toBeNull();
    });
  });

  describe('twilioRefusal', () => {
    it('carries Twilio’s code as the type and in the message, status and moreInfo as details', () => {
      const refusal = twilioRefusal(
        activityFailure(twilio(400, 22137, 'Twilio 400 code 22137: cannot cancel'), RetryState.NON_RETRYABLE_FAILURE),
        'the cancel'
      );
      expect(refusal.type).toBe('Twilio.22137');
      expect(refusal.nonRetryable).toBe(true);
      expect(refusal.message).toBe('Twilio refused the cancel: 22137 Twilio 400 code 22137: cannot cancel');
      expect(refusal.details).toEqual([
        { status: 400, code: 22137, moreInfo: 'https://www.twilio.com/docs/errors/22137' },
      ]);
    });
    it('says Twilio did not answer when every attempt failed with a retryable error', () => {
      const refusal = twilioRefusal(
        activityFailure(twilio(502, null, 'Twilio 502: bad gateway', false), RetryState.MAXIMUM_ATTEMPTS_REACHED),
        'the resubmission'
      );
      expect(refusal.type).toBe(UpdateRefusalType.TwilioUnavailable);
      expect(refusal.message).toMatch(/^Twilio did not answer the resubmission \(nothing changed; try again later\)/);
    });
    it('says a request refused before it was sent was never sent', () => {
      const invalid = ApplicationFailure.create({
        type: 'PortInValidationError',
        nonRetryable: true,
        message: 'Invalid port-in request (1 problem): targetPortInDate too soon',
      });
      const refusal = twilioRefusal(activityFailure(invalid, RetryState.NON_RETRYABLE_FAILURE), 'the resubmission');
      expect(refusal.type).toBe('PortInValidationError');
      expect(refusal.message).toBe(
        'Refused before reaching Twilio, the resubmission: Invalid port-in request (1 problem): targetPortInDate too soon'
      );
    });
  });
});
