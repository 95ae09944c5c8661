/**
 * The PortIn resource: the create body (camelCase in, the seed's snake_case names on the wire) and
 * the request as `POST /v1/Porting/PortIn` and `GET /v1/Porting/PortIn/{KW}` return it.
 */
import { z } from 'zod';
import { type PortInRequestStatus, normalizeRequestStatus } from '../porting-event';
import { nullableInteger, nullableString, stringList, withAliases } from './common';
import { type PortInPhoneNumber, portInPhoneNumberInbound } from './port-in-phone-number';

/** The customer's billing address with the losing carrier; it must match the carrier's record. */
export interface PortInAddress {
  street: string;
  /** Building, floor, suite. */
  street2?: string;
  city: string;
  /** As the carrier has it: `CA` or `California`. */
  state: string;
  zip: string;
  country: string;
}

/** The customer as the losing carrier knows them; used to generate the LOA. */
export interface LosingCarrierInformation {
  customerType: 'Business' | 'Individual';
  customerName: string;
  /** Secret: never logged or echoed in errors. Required when the portability check says so. */
  accountNumber?: string;
  /** The account's main number with the losing carrier, E.164 (the seed marks it required; if unsure, one of the ported numbers). */
  accountTelephoneNumber: string;
  authorizedRepresentative: string;
  /** Receives the LOA to sign. */
  authorizedRepresentativeEmail: string;
  /** Exactly one of `address` and `addressSid`. */
  address?: PortInAddress;
  /** `AD…`: an existing Address resource; exactly one of `address` and `addressSid`. */
  addressSid?: string;
}

/** A number to port in. */
export interface PortInPhoneNumberInput {
  /** E.164, US, not toll-free. */
  phoneNumber: string;
  /** Secret: the losing carrier's PIN; required when the portability check says so. */
  pin?: string;
}

/** What `createPortIn` sends: one port-in request of 1 to 1,000 US numbers. */
export interface CreatePortInRequest {
  /** The account (or subaccount) to port into; defaults to the client's account. */
  accountSid?: string;
  /** `YYYY-MM-DD`, at least 7 days after now. */
  targetPortInDate?: string;
  /** `HH:MM:SS±HH:MM` or `HH:MM:SSZ`, e.g. `10:15:00-08:00`. */
  targetPortInTimeRangeStart?: string;
  /** `HH:MM:SS±HH:MM` or `HH:MM:SSZ`, after the start. */
  targetPortInTimeRangeEnd?: string;
  /** Receive a copy of the signed LOA. */
  notificationEmails?: string[];
  losingCarrierInformation: LosingCarrierInformation;
  phoneNumbers: PortInPhoneNumberInput[];
  /** `RD…` document sids; at least one utility bill. */
  documents: string[];
  /** `BU…` regulatory bundle, if any. */
  bundleSid?: string;
}

const addressOutbound = z
  .object({
    street: z.string(),
    street2: z.string().nullish(),
    city: z.string(),
    state: z.string(),
    zip: z.string(),
    country: z.string(),
  })
  .transform((a) => ({
    street: a.street,
    street_2: a.street2 ?? undefined,
    city: a.city,
    state: a.state,
    zip: a.zip,
    country: a.country,
  }));

/**
 * {@link CreatePortInRequest} to the JSON body of `POST /v1/Porting/PortIn`, key for key as the PortIn
 * seed names them. The one place the create body's snake_case is written (twilio-node #1190 sends
 * camelCase instead). Absent optional fields stay `undefined` and so are left out of the JSON.
 */
export const createPortInOutbound = z
  .object({
    accountSid: z.string().optional(),
    targetPortInDate: z.string().optional(),
    targetPortInTimeRangeStart: z.string().optional(),
    targetPortInTimeRangeEnd: z.string().optional(),
    notificationEmails: z.array(z.string()).optional(),
    losingCarrierInformation: z.object({
      customerType: z.enum(['Business', 'Individual']),
      customerName: z.string(),
      accountNumber: z.string().nullish(),
      accountTelephoneNumber: z.string(),
      authorizedRepresentative: z.string(),
      authorizedRepresentativeEmail: z.string(),
      address: addressOutbound.nullish(),
      addressSid: z.string().nullish(),
    }),
    phoneNumbers: z.array(z.object({ phoneNumber: z.string(), pin: z.string().nullish() })),
    documents: z.array(z.string()),
    bundleSid: z.string().optional(),
  })
  .transform((r) => ({
    account_sid: r.accountSid,
    target_port_in_date: r.targetPortInDate,
    target_port_in_time_range_start: r.targetPortInTimeRangeStart,
    target_port_in_time_range_end: r.targetPortInTimeRangeEnd,
    notification_emails: r.notificationEmails,
    losing_carrier_information: {
      customer_type: r.losingCarrierInformation.customerType,
      customer_name: r.losingCarrierInformation.customerName,
      account_number: r.losingCarrierInformation.accountNumber ?? undefined,
      account_telephone_number: r.losingCarrierInformation.accountTelephoneNumber,
      authorized_representative: r.losingCarrierInformation.authorizedRepresentative,
      authorized_representative_email: r.losingCarrierInformation.authorizedRepresentativeEmail,
      address_sid: r.losingCarrierInformation.addressSid ?? undefined,
      address: r.losingCarrierInformation.address ?? undefined,
    },
    phone_numbers: r.phoneNumbers.map((n) => ({ phone_number: n.phoneNumber, pin: n.pin ?? undefined })),
    documents: r.documents,
    bundle_sid: r.bundleSid,
  }));

/** The create body as it goes on the wire. */
export type CreatePortInWire = z.output<typeof createPortInOutbound>;

/** The losing-carrier block of a fetched request. The account number is left out on purpose. */
export interface LosingCarrierInformationView {
  customerType: string | null;
  customerName: string | null;
  accountTelephoneNumber: string | null;
  authorizedRepresentative: string | null;
  authorizedRepresentativeEmail: string | null;
  addressSid: string | null;
  address: {
    street: string | null;
    street2: string | null;
    city: string | null;
    state: string | null;
    zip: string | null;
    country: string | null;
  } | null;
}

/** A port-in request as Twilio reports it. */
export interface PortIn {
  /** `KW…` */
  portInRequestSid: string;
  /** Normalized; `unknown` when Twilio sent something new (see `rawStatus`). */
  status: PortInRequestStatus;
  /** As sent: `In Review`, `pending`, `Waiting for Signature`, ... */
  rawStatus: string | null;
  accountSid: string | null;
  targetPortInDate: string | null;
  targetPortInTimeRangeStart: string | null;
  targetPortInTimeRangeEnd: string | null;
  notificationEmails: string[];
  orderCancellationReason: string | null;
  losingCarrierInformation: LosingCarrierInformationView | null;
  /** Each with `portInRequestSid` filled in from the request. */
  phoneNumbers: PortInPhoneNumber[];
  documents: string[];
  /** Link to the LOA e-signature page while waiting for signature (undocumented field). */
  signatureRequestUrl: string | null;
  supportTicketId: number | null;
  bundleSid: string | null;
  dateCreated: string | null;
  url: string | null;
}

const losingCarrierInbound = z
  .object({
    customer_type: nullableString,
    customer_name: nullableString,
    account_telephone_number: nullableString,
    authorized_representative: nullableString,
    authorized_representative_email: nullableString,
    address_sid: nullableString,
    address: z
      .object({
        street: nullableString,
        street_2: nullableString,
        city: nullableString,
        state: nullableString,
        zip: nullableString,
        country: nullableString,
      })
      .nullish()
      .transform((a) =>
        a
          ? { street: a.street, street2: a.street_2, city: a.city, state: a.state, zip: a.zip, country: a.country }
          : null
      ),
  })
  .transform((l): LosingCarrierInformationView => ({
    customerType: l.customer_type,
    customerName: l.customer_name,
    accountTelephoneNumber: l.account_telephone_number,
    authorizedRepresentative: l.authorized_representative,
    authorizedRepresentativeEmail: l.authorized_representative_email,
    addressSid: l.address_sid,
    address: l.address,
  }));

/** Wire to {@link PortIn}. `port_in_request_sid` is the one field we cannot do without. */
export const portInInbound = withAliases(
  { port_in_request_status: ['status'] },
  z.object({
    port_in_request_sid: z.string({ error: 'port_in_request_sid is required' }),
    port_in_request_status: nullableString,
    account_sid: nullableString,
    target_port_in_date: nullableString,
    target_port_in_time_range_start: nullableString,
    target_port_in_time_range_end: nullableString,
    notification_emails: stringList,
    order_cancellation_reason: nullableString,
    losing_carrier_information: losingCarrierInbound.nullish().transform((v) => v ?? null),
    phone_numbers: z
      .array(portInPhoneNumberInbound)
      .nullish()
      .transform((v) => v ?? []),
    documents: stringList,
    signature_request_url: nullableString,
    support_ticket_id: nullableInteger,
    bundle_sid: nullableString,
    date_created: nullableString,
    url: nullableString,
  })
).transform((w): PortIn => ({
  portInRequestSid: w.port_in_request_sid,
  status: normalizeRequestStatus(w.port_in_request_status),
  rawStatus: w.port_in_request_status,
  accountSid: w.account_sid,
  targetPortInDate: w.target_port_in_date,
  targetPortInTimeRangeStart: w.target_port_in_time_range_start,
  targetPortInTimeRangeEnd: w.target_port_in_time_range_end,
  notificationEmails: w.notification_emails,
  orderCancellationReason: w.order_cancellation_reason,
  losingCarrierInformation: w.losing_carrier_information,
  phoneNumbers: w.phone_numbers.map((n) => ({ ...n, portInRequestSid: n.portInRequestSid ?? w.port_in_request_sid })),
  documents: w.documents,
  signatureRequestUrl: w.signature_request_url,
  supportTicketId: w.support_ticket_id,
  bundleSid: w.bundle_sid,
  dateCreated: w.date_created,
  url: w.url,
}));
