/**
 * The Portability resource: `GET /v1/Porting/Portability/PhoneNumber/{PhoneNumber}`.
 */
import { z } from 'zod';
import {
  type NumberType,
  normalizeNumberType,
  nullableBoolean,
  nullableInteger,
  nullableString,
  withAliases,
} from './common';

/** What Twilio says about porting one number. */
export interface PortabilityResult {
  /** E.164; the number asked about when the response leaves it out. */
  phoneNumber: string;
  /** Whether it can be ported through the Porting API; null if not yet evaluated. */
  portable: boolean | null;
  /** When true, the port-in request must carry this number's PIN and the account number. */
  pinAndAccountNumberRequired: boolean | null;
  /** e.g. `UNSUPPORTED`, `MANUAL_PORTING_AVAILABLE`; null when portable. */
  notPortableReason: string | null;
  /** e.g. 22130, 22133; null when portable. */
  notPortableReasonCode: number | null;
  numberType: NumberType;
  /** The number type exactly as sent (`LOCAL`, `TOLL-FREE`, ...). */
  rawNumberType: string | null;
  /** ISO country code, e.g. `US`. */
  country: string | null;
  /** Set only when the number is already in one of your Twilio accounts. */
  accountSid: string | null;
  url: string | null;
}

/** Wire (snake_case, either reason spelling) to {@link PortabilityResult} (minus the fallback phone number). */
export const portabilityInbound = withAliases(
  {
    not_portable_reason: ['not_portability_reason'],
    not_portable_reason_code: ['not_portability_reason_code'],
    number_type: ['phone_number_type'],
  },
  z.object({
    phone_number: nullableString,
    portable: nullableBoolean,
    pin_and_account_number_required: nullableBoolean,
    not_portable_reason: nullableString,
    not_portable_reason_code: nullableInteger,
    number_type: nullableString,
    country: nullableString,
    account_sid: nullableString,
    url: nullableString,
  })
).transform((w) => ({
  phoneNumber: w.phone_number,
  portable: w.portable,
  pinAndAccountNumberRequired: w.pin_and_account_number_required,
  notPortableReason: w.not_portable_reason,
  notPortableReasonCode: w.not_portable_reason_code,
  numberType: normalizeNumberType(w.number_type),
  rawNumberType: w.number_type,
  country: w.country,
  accountSid: w.account_sid,
  url: w.url,
}));

/** Query parameters of the portability check, camelCase in, PascalCase on the wire. */
export interface PortabilityOptions {
  /** The account (or subaccount) the number would be ported into, if not the authenticated one. */
  targetAccountSid?: string;
  /** The customer's address SID. */
  addressSid?: string;
}

/** Maps {@link PortabilityOptions} to the query string names Twilio reads. */
export function portabilityQuery(options: PortabilityOptions): Record<string, string | undefined> {
  return { TargetAccountSid: options.targetAccountSid, AddressSid: options.addressSid };
}
