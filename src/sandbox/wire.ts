import { titleOf } from './carrier';
import type {
  DocumentRecord,
  NumberRecord,
  NumberStatus,
  PortInRecord,
  RequestStatus,
  WebhookConfiguration,
} from './model';
import type { Scenario } from './scenarios';
import { isoSeconds } from './sids';

/**
 * JSON shapes of the sandbox's Twilio API, snake_case as on the wire. With `quirks` (the default)
 * they reproduce what Twilio's own examples show, inconsistencies included (reference §2):
 * Title Case statuses in PortIn (and its `phone_numbers[]`), snake_case on the PhoneNumber
 * resource, different field names for the same thing, and `rejection_reason_code` as a string in
 * PortIn but an integer on PhoneNumber. Without quirks every resource uses snake_case statuses,
 * integer codes and the PhoneNumber resource's field names.
 */

export interface WireOptions {
  quirks: boolean;
  baseUrl: string;
}

/** An entry of PortIn `phone_numbers[]` (quirks: true). */
export interface PortInPhoneNumberWire {
  phone_number: string;
  port_in_phone_number_sid?: string;
  phone_number_sid?: string;
  port_in_phone_number_status: string;
  number_type?: string;
  phone_number_type?: string;
  portable: boolean;
  not_portability_reason: string | null;
  not_portability_reason_code: number | null;
  rejection_reason: string | null;
  rejection_reason_code: string | number | null;
  port_date: string | null;
  status_last_time_updated_timestamp?: string;
  last_updated?: string;
  external_porting_vendor_phone_number_id: null;
}

export interface PortInWire {
  port_in_request_sid: string;
  url: string;
  account_sid: string;
  notification_emails: string[];
  target_port_in_date: string | null;
  target_port_in_time_range_start: string | null;
  target_port_in_time_range_end: string | null;
  port_in_request_status: string;
  order_cancellation_reason: string | null;
  losing_carrier_information: Record<string, unknown>;
  phone_numbers: PortInPhoneNumberWire[];
  bundle_sid: string | null;
  portability_advance_carrier: null;
  auto_cancel_approval_numbers: null;
  documents: string[];
  date_created: string;
  support_ticket_id: number;
  signature_request_url: string | null;
}

function requestStatus(status: RequestStatus, quirks: boolean): string {
  return quirks ? titleOf(status) : status;
}

function numberStatusInPortIn(status: NumberStatus, quirks: boolean): string {
  return quirks ? titleOf(status) : status;
}

export function portInWire(req: PortInRecord, o: WireOptions): PortInWire {
  const lc = req.losingCarrier;
  return {
    port_in_request_sid: req.sid,
    url: `${o.baseUrl}/v1/Porting/PortIn/${req.sid}`,
    account_sid: req.accountSid,
    notification_emails: req.notificationEmails,
    target_port_in_date: req.targetPortInDate,
    target_port_in_time_range_start: req.timeRangeStart,
    target_port_in_time_range_end: req.timeRangeEnd,
    port_in_request_status: requestStatus(req.status, o.quirks),
    order_cancellation_reason: req.orderCancellationReason,
    losing_carrier_information: {
      customer_type: lc.customerType,
      customer_name: lc.customerName,
      account_number: lc.accountNumber,
      account_telephone_number: lc.accountTelephoneNumber,
      authorized_representative: lc.authorizedRepresentative,
      authorized_representative_email: lc.authorizedRepresentativeEmail,
      address_sid: lc.addressSid,
      address: lc.address,
      authorized_representative_katakana: null,
      sub_municipality: null,
      building: null,
      katakana_name: null,
      // Not in the OpenAPI spec, but in the PortIn seed's create response (all null there too).
      subscription_right: null,
      pre_adjustment_article: null,
      mnp_article: null,
      losing_carrier_name: null,
    },
    phone_numbers: req.numbers.map((n) => portInPhoneNumberWire(n, o)),
    bundle_sid: req.bundleSid,
    portability_advance_carrier: null,
    auto_cancel_approval_numbers: null,
    documents: req.documents,
    date_created: isoSeconds(req.createdAt),
    support_ticket_id: req.supportTicketId,
    signature_request_url: req.signatureRequestUrl,
  };
}

function portInPhoneNumberWire(n: NumberRecord, o: WireOptions): PortInPhoneNumberWire {
  const common = {
    phone_number: n.phoneNumber,
    port_in_phone_number_status: numberStatusInPortIn(n.status, o.quirks),
    portable: n.scenario.portable,
    not_portability_reason: n.scenario.notPortableReason,
    not_portability_reason_code: n.scenario.notPortableReasonCode,
    rejection_reason: n.rejectionReason,
    port_date: n.portDate == null ? null : isoSeconds(n.portDate),
    external_porting_vendor_phone_number_id: null,
  } as const;
  if (o.quirks) {
    return {
      ...common,
      port_in_phone_number_sid: n.sid,
      number_type: n.scenario.numberType,
      rejection_reason_code: n.rejectionReasonCode == null ? null : String(n.rejectionReasonCode),
      status_last_time_updated_timestamp: isoSeconds(n.updatedAt),
    };
  }
  return {
    ...common,
    phone_number_sid: n.sid,
    phone_number_type: n.scenario.numberType,
    rejection_reason_code: n.rejectionReasonCode,
    last_updated: isoSeconds(n.updatedAt),
  };
}

/** The PortIn PhoneNumber resource (`GET /v1/Porting/PortIn/{KW}/PhoneNumber/{PU}`). */
export function phoneNumberWire(req: PortInRecord, n: NumberRecord, o: WireOptions): Record<string, unknown> {
  return {
    port_in_request_sid: req.sid,
    phone_number_sid: n.sid,
    url: `${o.baseUrl}/v1/Porting/PortIn/${req.sid}/PhoneNumber/${n.sid}`,
    account_sid: req.accountSid,
    phone_number_type: n.scenario.numberType,
    date_created: isoSeconds(n.createdAt),
    country: n.scenario.country,
    missing_required_fields: false,
    last_updated: isoSeconds(n.updatedAt),
    phone_number: n.phoneNumber,
    portable: n.scenario.portable,
    not_portability_reason: n.scenario.notPortableReason,
    not_portability_reason_code: n.scenario.notPortableReasonCode,
    // snake_case here in both modes: that is the resource's documented spelling.
    port_in_phone_number_status: n.status,
    port_out_pin: null,
    rejection_reason: n.rejectionReason,
    rejection_reason_code: n.rejectionReasonCode,
    port_date: n.portDate == null ? null : isoSeconds(n.portDate),
  };
}

/** An item of `GET /v1/Porting/PortIn/PortInRequests`. */
export function portInSummaryWire(req: PortInRecord, o: WireOptions): Record<string, unknown> {
  return {
    phone_numbers_ported: req.counts.completed,
    phone_numbers_requested: req.numbers.length,
    port_in_request_sid: req.sid,
    port_in_request_status: requestStatus(req.status, o.quirks),
    status_last_updated_timestamp: isoSeconds(req.statusUpdatedAt),
    suggested_action: suggestedAction(req),
  };
}

function suggestedAction(req: PortInRecord): string | null {
  switch (req.status) {
    case 'waiting_for_signature':
      return 'The authorized representative must sign the letter of authorization';
    case 'action_required':
      return 'Review the rejected phone numbers: cancel them, or cancel the request and resubmit with corrected information';
    default:
      return null;
  }
}

/** The Portability resource for one number. */
export function portabilityWire(
  phoneNumber: string,
  s: Scenario,
  result: { portable: boolean; code: number | null; reason: string | null; accountSid: string | null },
  o: WireOptions
): Record<string, unknown> {
  return {
    phone_number: phoneNumber,
    account_sid: result.accountSid,
    portable: result.portable,
    pin_and_account_number_required: s.pinAndAccountNumberRequired,
    not_portable_reason: result.reason,
    not_portable_reason_code: result.code,
    number_type: s.numberType,
    country: s.country,
    // As in the seed's examples: the E.164 `+` stays literal (`…/PhoneNumber/+18001234567`).
    url: `${o.baseUrl}/v1/Porting/Portability/PhoneNumber/${encodeURIComponent(phoneNumber).replace(/^%2B/, '+')}`,
  };
}

export function documentWire(doc: DocumentRecord, o: WireOptions): Record<string, unknown> {
  return {
    sid: doc.sid,
    account_sid: doc.accountSid,
    document_type: doc.documentType,
    friendly_name: doc.friendlyName,
    mime_type: doc.mimeType,
    status: 'uploaded',
    version: 1,
    size: doc.size,
    date_created: isoSeconds(doc.createdAt),
    url: `${o.baseUrl}/v1/Documents/${doc.sid}`,
  };
}

export function webhookConfigWire(
  c: WebhookConfiguration,
  o: WireOptions,
  withDates: boolean
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    url: `${o.baseUrl}/v1/Porting/Configuration/Webhook`,
    port_in_target_url: c.portInTargetUrl,
    port_out_target_url: c.portOutTargetUrl,
    notifications_of: c.notificationsOf,
  };
  if (withDates) {
    body.port_in_target_date_created = c.portInTargetDateCreated == null ? null : isoSeconds(c.portInTargetDateCreated);
    body.port_out_target_date_created =
      c.portOutTargetDateCreated == null ? null : isoSeconds(c.portOutTargetDateCreated);
  }
  return body;
}
