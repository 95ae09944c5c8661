/**
 * The normalized vocabulary of porting progress, shared by the client (responses), the webhook
 * receiver (events) and the workflow's reducer. Pure TypeScript: no zod, no I/O, so workflow code
 * may import it.
 */

/** Port-in request statuses (the porting overview's table), normalized to snake_case. */
export const PortInRequestStatus = {
  IN_REVIEW: 'in_review',
  WAITING_FOR_SIGNATURE: 'waiting_for_signature',
  IN_PROGRESS: 'in_progress',
  ACTION_REQUIRED: 'action_required',
  COMPLETED: 'completed',
  CANCELING: 'canceling',
  CANCELED: 'canceled',
  EXPIRED: 'expired',
  UNKNOWN: 'unknown',
} as const;
export type PortInRequestStatus = (typeof PortInRequestStatus)[keyof typeof PortInRequestStatus];

/** Per-number statuses (the porting overview's second table), normalized to snake_case. */
export const PhoneNumberStatus = {
  IN_REVIEW: 'in_review',
  WAITING_FOR_SIGNATURE: 'waiting_for_signature',
  PORT_SUBMITTED: 'port_submitted',
  PORT_PENDING: 'port_pending',
  PORT_REJECTED: 'port_rejected',
  COMPLETED: 'completed',
  CANCELING: 'canceling',
  CANCELED: 'canceled',
  UNKNOWN: 'unknown',
} as const;
export type PhoneNumberStatus = (typeof PhoneNumberStatus)[keyof typeof PhoneNumberStatus];

/** Lowercase, spaces and hyphens to `_`: `In Review`, `in-review` and `IN_REVIEW` all become `in_review`. */
export function statusKey(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

// Twilio's examples also use `pending` for a request (PortIn fetch example) and `in progress`.
const requestAliases: Record<string, PortInRequestStatus> = {
  pending: PortInRequestStatus.IN_REVIEW,
  cancelled: PortInRequestStatus.CANCELED,
};
const numberAliases: Record<string, PhoneNumberStatus> = {
  submitted: PhoneNumberStatus.PORT_SUBMITTED,
  pending: PhoneNumberStatus.PORT_PENDING,
  rejected: PhoneNumberStatus.PORT_REJECTED,
  cancelled: PhoneNumberStatus.CANCELED,
};

/** `raw` as one of `statuses` (directly or through an alias), else `unknown`. */
function normalizeTo<S extends string>(
  raw: string | null | undefined,
  statuses: Record<string, S>,
  aliases: Record<string, S>,
  unknown: S
): S {
  if (raw == null) return unknown;
  const key = statusKey(raw);
  const known = Object.values(statuses) as string[];
  if (known.includes(key)) return key as S;
  return aliases[key] ?? unknown;
}

export function normalizeRequestStatus(raw: string | null | undefined): PortInRequestStatus {
  return normalizeTo(raw, PortInRequestStatus, requestAliases, PortInRequestStatus.UNKNOWN);
}

export function normalizeNumberStatus(raw: string | null | undefined): PhoneNumberStatus {
  return normalizeTo(raw, PhoneNumberStatus, numberAliases, PhoneNumberStatus.UNKNOWN);
}

/** The 13 porting webhook event names (union of the docs table and the OpenAPI example). */
export const PortingEventName = {
  PortInWaitingForSignature: 'PortInWaitingForSignature',
  PortInInProgress: 'PortInInProgress',
  PortInCompleted: 'PortInCompleted',
  PortInActionRequired: 'PortInActionRequired',
  PortInCanceled: 'PortInCanceled',
  PortInExpired: 'PortInExpired',
  PortInPhoneNumberWaitingForSignature: 'PortInPhoneNumberWaitingForSignature',
  PortInPhoneNumberSubmitted: 'PortInPhoneNumberSubmitted',
  PortInPhoneNumberPending: 'PortInPhoneNumberPending',
  PortInPhoneNumberCompleted: 'PortInPhoneNumberCompleted',
  PortInPhoneNumberRejected: 'PortInPhoneNumberRejected',
  PortInPhoneNumberCanceled: 'PortInPhoneNumberCanceled',
  PortOutPhoneNumberCompleted: 'PortOutPhoneNumberCompleted',
} as const;
export type PortingEventName = (typeof PortingEventName)[keyof typeof PortingEventName];

/** What each event name says about the request or the number it names. */
export const eventStatus: Record<
  PortingEventName,
  { level: 'request'; status: PortInRequestStatus } | { level: 'number'; status: PhoneNumberStatus } | null
> = {
  PortInWaitingForSignature: { level: 'request', status: PortInRequestStatus.WAITING_FOR_SIGNATURE },
  PortInInProgress: { level: 'request', status: PortInRequestStatus.IN_PROGRESS },
  PortInCompleted: { level: 'request', status: PortInRequestStatus.COMPLETED },
  PortInActionRequired: { level: 'request', status: PortInRequestStatus.ACTION_REQUIRED },
  PortInCanceled: { level: 'request', status: PortInRequestStatus.CANCELED },
  PortInExpired: { level: 'request', status: PortInRequestStatus.EXPIRED },
  PortInPhoneNumberWaitingForSignature: { level: 'number', status: PhoneNumberStatus.WAITING_FOR_SIGNATURE },
  PortInPhoneNumberSubmitted: { level: 'number', status: PhoneNumberStatus.PORT_SUBMITTED },
  PortInPhoneNumberPending: { level: 'number', status: PhoneNumberStatus.PORT_PENDING },
  PortInPhoneNumberCompleted: { level: 'number', status: PhoneNumberStatus.COMPLETED },
  PortInPhoneNumberRejected: { level: 'number', status: PhoneNumberStatus.PORT_REJECTED },
  PortInPhoneNumberCanceled: { level: 'number', status: PhoneNumberStatus.CANCELED },
  // A port-out says nothing about a port-in we manage.
  PortOutPhoneNumberCompleted: null,
};

interface PortingEventBase {
  /** Where the event came from: a Twilio webhook, the reconciliation poll, or an operator action. */
  source: 'webhook' | 'poll' | 'operator';
  /** The event name as received (webhooks), or null for polled snapshots. */
  eventName: string | null;
  portInRequestSid: string;
  /** The status string exactly as Twilio sent it. */
  rawStatus: string;
  /** When Twilio says the change happened (ISO 8601), if it said. Orders events; never a workflow clock. */
  occurredAt?: string | null;
  /** `I-Twilio-Idempotency-Token` of the delivery, when it came by webhook. */
  idempotencyToken?: string | null;
}

export interface RequestPortingEvent extends PortingEventBase {
  level: 'request';
  status: PortInRequestStatus;
  orderCancellationReason?: string | null;
  signatureRequestUrl?: string | null;
}

export interface NumberPortingEvent extends PortingEventBase {
  level: 'number';
  status: PhoneNumberStatus;
  phoneNumberSid?: string | null;
  phoneNumber?: string | null;
  portDate?: string | null;
  rejectionReason?: string | null;
  rejectionReasonCode?: number | null;
  notPortableReason?: string | null;
  notPortableReasonCode?: number | null;
}

/** One normalized porting event: what the `portingEvent` signal carries and the reducer applies. */
export type PortingEvent = RequestPortingEvent | NumberPortingEvent;
