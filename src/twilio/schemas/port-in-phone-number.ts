/**
 * A phone number of a port-in request, as the PortIn resource lists it (`phone_numbers[]`) and as
 * `GET /v1/Porting/PortIn/{KW}/PhoneNumber/{PU}` returns it. The two spell several fields
 * differently (reference §2); both spellings parse to the same domain value.
 */
import { z } from 'zod';
import { type PhoneNumberStatus, normalizeNumberStatus } from '../porting-event';
import {
  type NumberType,
  normalizeNumberType,
  nullableBoolean,
  nullableInteger,
  nullableString,
  withAliases,
} from './common';

/** One number of a port-in request and where it stands. */
export interface PortInPhoneNumber {
  /** `PU…` */
  phoneNumberSid: string | null;
  /** `KW…`: on the PhoneNumber resource as sent; inside a PortIn, the parent's sid. */
  portInRequestSid: string | null;
  /** E.164. */
  phoneNumber: string | null;
  /** Normalized status; `unknown` when Twilio sent something new (see `rawStatus`). */
  status: PhoneNumberStatus;
  /** The status exactly as sent: `In Review`, `in_review`, `Port Rejected`, ... */
  rawStatus: string | null;
  numberType: NumberType;
  rawNumberType: string | null;
  portable: boolean | null;
  notPortableReason: string | null;
  notPortableReasonCode: number | null;
  /** The losing carrier's reason, set when the number was rejected. */
  rejectionReason: string | null;
  /** e.g. 22154 (address mismatch); sent as a string or a number, always a number here. */
  rejectionReasonCode: number | null;
  /** Confirmed port date-time (the FOC), once the losing carrier agreed one. */
  portDate: string | null;
  /** When the number's status last changed. */
  lastUpdated: string | null;
  accountSid: string | null;
  country: string | null;
  missingRequiredFields: boolean | null;
  dateCreated: string | null;
  url: string | null;
}

/** Wire (either resource's spelling) to {@link PortInPhoneNumber}. PINs (`port_out_pin`) are dropped. */
export const portInPhoneNumberInbound = withAliases(
  {
    phone_number_sid: ['port_in_phone_number_sid'],
    port_in_phone_number_status: ['phone_number_status', 'status'],
    phone_number_type: ['number_type'],
    last_updated: ['status_last_time_updated_timestamp', 'status_last_updated_timestamp'],
    not_portability_reason: ['not_portable_reason'],
    not_portability_reason_code: ['not_portable_reason_code'],
  },
  z.object({
    phone_number_sid: nullableString,
    port_in_request_sid: nullableString,
    phone_number: nullableString,
    port_in_phone_number_status: nullableString,
    phone_number_type: nullableString,
    portable: nullableBoolean,
    not_portability_reason: nullableString,
    not_portability_reason_code: nullableInteger,
    rejection_reason: nullableString,
    rejection_reason_code: nullableInteger,
    port_date: nullableString,
    last_updated: nullableString,
    account_sid: nullableString,
    country: nullableString,
    missing_required_fields: nullableBoolean,
    date_created: nullableString,
    url: nullableString,
  })
).transform((w): PortInPhoneNumber => ({
  phoneNumberSid: w.phone_number_sid,
  portInRequestSid: w.port_in_request_sid,
  phoneNumber: w.phone_number,
  status: normalizeNumberStatus(w.port_in_phone_number_status),
  rawStatus: w.port_in_phone_number_status,
  numberType: normalizeNumberType(w.phone_number_type),
  rawNumberType: w.phone_number_type,
  portable: w.portable,
  notPortableReason: w.not_portability_reason,
  notPortableReasonCode: w.not_portability_reason_code,
  rejectionReason: w.rejection_reason,
  rejectionReasonCode: w.rejection_reason_code,
  portDate: w.port_date,
  lastUpdated: w.last_updated,
  accountSid: w.account_sid,
  country: w.country,
  missingRequiredFields: w.missing_required_fields,
  dateCreated: w.date_created,
  url: w.url,
}));
