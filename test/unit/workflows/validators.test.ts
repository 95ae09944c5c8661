import { ApplicationFailure } from '@temporalio/common';
import { PhoneNumberStatus } from '../../../src/twilio/porting-event';
import { UpdateRefusalType } from '../../../src/workflows/failures';
import {
  assertCancelable,
  resolveNumbers,
  resolveRejected,
  validateCancelPortIn,
} from '../../../src/workflows/validators';
import { setPhase } from '../../../src/workflows/state';
import { A, AT, B, C, TARGET_DATE, portingOrder, withNumber } from './fixtures';

function refusal(fn: () => unknown): ApplicationFailure {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return err as ApplicationFailure;
  }
  throw new Error('expected a refusal');
}

const BEFORE = Date.parse(`${TARGET_DATE}T00:00:00Z`) - 10 * 86_400_000;
const LATE = Date.parse(`${TARGET_DATE}T00:00:00Z`) - 3600_000;
const lci = {
  customerType: 'Business' as const,
  customerName: 'Acme',
  accountTelephoneNumber: '+14155550100',
  authorizedRepresentative: 'Jo',
  authorizedRepresentativeEmail: 'jo@example.com',
  address: { street: '1 Main St', city: 'SF', state: 'CA', zip: '94105', country: 'US' },
};

describe('update validators', () => {
  it('cancelPortIn: refuses an order that is not porting, and one past its cutoff', () => {
    const done = setPhase(portingOrder(), 'completed', AT, 'done');
    expect(refusal(() => validateCancelPortIn(done, BEFORE))).toMatchObject({
      type: UpdateRefusalType.InvalidState,
      message: expect.stringMatching(/cannot be canceled while it is Completed/),
    });
    expect(refusal(() => validateCancelPortIn(portingOrder(), LATE)).type).toBe(UpdateRefusalType.CancelCutoffPassed);
    expect(() => validateCancelPortIn(portingOrder(), BEFORE)).not.toThrow();
  });

  it('cancelPhoneNumbers: names unknown, ended and unfiled numbers', () => {
    const state = withNumber(portingOrder(), B, { status: PhoneNumberStatus.COMPLETED });
    expect(refusal(() => resolveNumbers(state, { phoneNumbers: [] })).type).toBe(UpdateRefusalType.InvalidArgument);
    expect(refusal(() => resolveNumbers(state, { phoneNumbers: [C] }))).toMatchObject({
      type: UpdateRefusalType.UnknownPhoneNumber,
      message: `phoneNumbers: ${C} is not in order order-1.`,
    });
    expect(refusal(() => resolveNumbers(state, { phoneNumbers: [B] })).message).toBe(
      `phoneNumbers: ${B} (Completed) cannot be canceled any more.`
    );
    const unfiled = withNumber(portingOrder(), A, { requestSid: null });
    expect(refusal(() => resolveNumbers(unfiled, { phoneNumbers: [A] })).message).toMatch(/has no request yet/);
    expect(resolveNumbers(state, { phoneNumbers: [A] }).map((n) => n.phoneNumber)).toEqual([A]);
  });

  it('assertCancelable: gives the cutoff of each late number', () => {
    const late = refusal(() => assertCancelable(portingOrder(), [portingOrder().numbers[A]!], LATE));
    expect(late.message).toBe(
      `Too late to cancel ${A}: Twilio accepts cancellations only more than 72 hours before the port date (cutoff 2025-04-12T00:00:00.000Z).`
    );
  });

  it('resubmitRejected: needs complete carrier data and rejected numbers', () => {
    const rejected = withNumber(portingOrder(), A, {
      status: PhoneNumberStatus.PORT_REJECTED,
      rejection: { code: 22154, reason: 'address', at: AT },
    });
    expect(refusal(() => resolveRejected(rejected, {} as never)).type).toBe(UpdateRefusalType.InvalidArgument);
    expect(
      refusal(() => resolveRejected(rejected, { losingCarrierInformation: { ...lci, customerName: '' } })).message
    ).toBe('losingCarrierInformation: missing customerName.');
    expect(
      refusal(() => resolveRejected(rejected, { losingCarrierInformation: { ...lci, addressSid: 'AD1' } })).message
    ).toBe('losingCarrierInformation: give exactly one of address and addressSid.');
    expect(refusal(() => resolveRejected(portingOrder(), { losingCarrierInformation: lci })).message).toMatch(
      /^Nothing to resubmit: order order-1 has no rejected number/
    );
    expect(refusal(() => resolveRejected(rejected, { losingCarrierInformation: lci, phoneNumbers: [B] })).message).toBe(
      `phoneNumbers: ${B} (In Review) is not rejected; only rejected numbers can be resubmitted.`
    );
    expect(resolveRejected(rejected, { losingCarrierInformation: lci }).map((n) => n.phoneNumber)).toEqual([A]);
  });
});
