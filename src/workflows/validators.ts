/**
 * The checks behind the update validators (and re-run inside the handlers, since an earlier update
 * may have changed the order between validation and execution). Pure: state and time in, the
 * numbers to act on out, or an ApplicationFailure an operator can act on.
 */
import { ApplicationFailure } from '@temporalio/common';
import { PhoneNumberStatus } from '../twilio/porting-event';
import type { CancelPhoneNumbersInput, ResubmitRejectedInput } from './messages';
import { UpdateRefusalType } from './failures';
import {
  activeNumbers,
  cancelCutoffOf,
  isNumberTerminal,
  labelOfNumberStatus,
  orderStatus,
  rejectedNumbers,
} from './state';
import type { NumberState, PortInState } from './state';

const iso = (ms: number) => new Date(ms).toISOString();

/** cancelPortIn: only an order with open requests, and only before every number's cutoff. */
export function validateCancelPortIn(state: PortInState, nowMs: number): void {
  if (state.phase !== 'porting') {
    throw ApplicationFailure.nonRetryable(
      `The order cannot be canceled while it is ${orderStatus(state)}; only an order with open requests can.`,
      UpdateRefusalType.InvalidState
    );
  }
  assertCancelable(state, activeNumbers(state), nowMs);
}

/** cancelPhoneNumbers: the numbers of the order that can still be canceled, or why not. */
export function resolveNumbers(state: PortInState, request: CancelPhoneNumbersInput): NumberState[] {
  if (!Array.isArray(request?.phoneNumbers) || request.phoneNumbers.length === 0) {
    throw ApplicationFailure.nonRetryable(
      'phoneNumbers: give at least one E.164 number of this order to cancel.',
      UpdateRefusalType.InvalidArgument
    );
  }
  const unknown = request.phoneNumbers.filter((p) => !state.numbers[p]);
  if (unknown.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not in order ${state.orderId}.`,
      UpdateRefusalType.UnknownPhoneNumber
    );
  }
  const numbers = request.phoneNumbers.map((p) => state.numbers[p]!);
  const ended = numbers.filter((n) => isNumberTerminal(n) || n.status === PhoneNumberStatus.CANCELING);
  if (ended.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${ended.map((n) => `${n.phoneNumber} (${labelOfNumberStatus(n.status)})`).join(', ')} cannot be canceled any more.`,
      UpdateRefusalType.InvalidState
    );
  }
  const unfiled = numbers.filter((n) => !n.requestSid);
  if (unfiled.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${unfiled.map((n) => n.phoneNumber).join(', ')} ${unfiled.length === 1 ? 'has' : 'have'} no request yet; cancel the whole order instead.`,
      UpdateRefusalType.InvalidState
    );
  }
  return numbers;
}

/** Refuses once any of `numbers` is within 72 hours of its port date (or of the target date). */
export function assertCancelable(state: PortInState, numbers: NumberState[], nowMs: number): void {
  const late = numbers.filter((n) => nowMs >= cancelCutoffOf(state, n));
  if (late.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `Too late to cancel ${late.map((n) => n.phoneNumber).join(', ')}: Twilio accepts cancellations only more than ` +
        `72 hours before the port date (cutoff ${late.map((n) => iso(cancelCutoffOf(state, n))).join(', ')}).`,
      UpdateRefusalType.CancelCutoffPassed
    );
  }
}

/** resubmitRejected: complete losing-carrier data, and the rejected numbers to file again. */
export function resolveRejected(state: PortInState, request: ResubmitRejectedInput): NumberState[] {
  const lci = request?.losingCarrierInformation;
  if (!lci || typeof lci !== 'object') {
    throw ApplicationFailure.nonRetryable(
      'losingCarrierInformation: the corrected losing-carrier data is required.',
      UpdateRefusalType.InvalidArgument
    );
  }
  const missing = (
    ['customerType', 'customerName', 'authorizedRepresentative', 'authorizedRepresentativeEmail'] as const
  ).filter((k) => !lci[k]);
  if (missing.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `losingCarrierInformation: missing ${missing.join(', ')}.`,
      UpdateRefusalType.InvalidArgument
    );
  }
  if (!lci.address === !lci.addressSid) {
    throw ApplicationFailure.nonRetryable(
      'losingCarrierInformation: give exactly one of address and addressSid.',
      UpdateRefusalType.InvalidArgument
    );
  }
  const rejected = rejectedNumbers(state);
  if (rejected.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `Nothing to resubmit: order ${state.orderId} has no rejected number (it is ${orderStatus(state)}).`,
      UpdateRefusalType.InvalidState
    );
  }
  if (!request.phoneNumbers) return rejected;
  const byNumber = new Map(rejected.map((n) => [n.phoneNumber, n]));
  const notRejected = request.phoneNumbers.filter((p) => !byNumber.has(p));
  if (notRejected.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `phoneNumbers: ${notRejected.map((p) => (state.numbers[p] ? `${p} (${labelOfNumberStatus(state.numbers[p]!.status)})` : `${p} (not in the order)`)).join(', ')} ${notRejected.length === 1 ? 'is' : 'are'} not rejected; only rejected numbers can be resubmitted.`,
      UpdateRefusalType.InvalidState
    );
  }
  return request.phoneNumbers.map((p) => byNumber.get(p)!);
}
