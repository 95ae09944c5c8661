import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { ActivationFailureType, NUMBER_FIELDS, numberUpdateOf } from '../activation';
import type { ActivatePortedNumberInput, ActivatedNumber, NumberField } from '../activation';
import type { PortingClient } from '../twilio/client';
import { TwilioApiError } from '../twilio/errors';
import type { IncomingPhoneNumber } from '../twilio/schemas/incoming-phone-number';
import { withHeartbeat } from './heartbeat';
import { classified, toActivityFailure } from './to-failure';

/** Twilio's "Phone Number is already in the Messaging Service": a second add after a lost answer. */
const ALREADY_IN_SERVICE = 21710;

/**
 * After a port completes: finds the number in the target account's IncomingPhoneNumbers, sets the
 * order's `onPorted` fields on it and adds it to the Messaging Service. Safe to run again: the
 * update sets absolute values and a second membership is read as done. A number not listed yet
 * fails retryably (the stub's retry policy is the bounded backoff); Twilio's refusals fail
 * non-retryably with Twilio's code and message.
 */
export async function activatePortedNumber(
  client: PortingClient,
  input: ActivatePortedNumberInput
): Promise<ActivatedNumber> {
  const scope = input.accountSid ? { accountSid: input.accountSid } : {};
  const account = input.accountSid ?? client.accountSid;
  return withHeartbeat(async () => {
    const found = await classified(() => client.findIncomingPhoneNumber(input.phoneNumber, scope));
    if (!found) {
      throw ApplicationFailure.create({
        type: ActivationFailureType.NotInAccount,
        message: `${input.phoneNumber} is not in the IncomingPhoneNumbers of account ${account} yet`,
      });
    }
    const update = numberUpdateOf(input.onPorted);
    let number: IncomingPhoneNumber = found;
    if (Object.keys(update).length > 0) {
      number = await classified(() => client.updateIncomingPhoneNumber(found.sid, update, scope));
      const kept = (Object.keys(update) as NumberField[]).filter((k) => !sameValue(k, update[k], number[k]));
      if (kept.length > 0) {
        throw ApplicationFailure.create({
          type: ActivationFailureType.NotApplied,
          nonRetryable: true,
          message: `Twilio accepted the update of ${found.sid} but kept other values for ${kept.join(', ')}`,
        });
      }
    }
    const service = input.onPorted?.messagingServiceSid ?? null;
    if (service) {
      try {
        await client.addPhoneNumberToMessagingService(service, found.sid);
      } catch (err) {
        if (!(err instanceof TwilioApiError && err.code === ALREADY_IN_SERVICE)) throw toActivityFailure(err);
      }
    }
    return {
      phoneNumber: input.phoneNumber,
      phoneNumberSid: found.sid,
      accountSid: number.accountSid,
      configured: NUMBER_FIELDS.filter((k) => update[k] !== undefined),
      messagingServiceSid: service,
      checks: activityInfo().attempt,
    };
  });
}

/** Twilio prints methods upper case; URLs and names come back as sent. */
function sameValue(field: NumberField, wanted: string | undefined, got: string | null): boolean {
  if (wanted === undefined) return true;
  return field.endsWith('Method') ? wanted.toUpperCase() === (got ?? '').toUpperCase() : wanted === got;
}
