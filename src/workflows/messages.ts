/**
 * The public contract of `portInWorkflow`: its message names, inputs and results. Names are part of
 * the contract (the webhook receiver, the CLI and operators in the UI use them); do not rename.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LosingCarrierInput, PortInOrder } from '../order';
import type { PhoneNumberStatus, PortInRequestStatus, PortingEvent } from '../twilio/porting-event';
import type { PortInState } from './state';

export const PORT_IN_WORKFLOW_TYPE = 'portInWorkflow';

/** Workflow id of an order: its business key, prefixed so the id says what it is. */
export function portInWorkflowId(orderId: string): string {
  return `portin-${orderId}`;
}

export function orderIdFromWorkflowId(workflowId: string): string | null {
  return workflowId.startsWith('portin-') ? workflowId.slice('portin-'.length) : null;
}

export interface PortInWorkflowInput {
  order: PortInOrder;
  /** Set by continue-as-new: the whole state of the previous run. */
  resume?: PortInState;
}

/**
 * Signal: one normalized porting event. Sent by the webhook receiver for every verified Twilio
 * webhook; the reducer makes duplicates and stale events no-ops.
 */
export const portingEventSignal = defineSignal<[PortingEvent]>('portingEvent');

export interface CancelPortInInput {
  /** Why (kept in the timeline). */
  reason?: string;
}
export interface CancelPortInResult {
  canceledRequestSids: string[];
  canceledNumbers: string[];
}
/**
 * Update: cancel the whole order (every open request). Rejected by its validator when the order has
 * ended or when a number's 72-hour cancel cutoff has passed.
 */
export const cancelPortInUpdate = defineUpdate<CancelPortInResult, [CancelPortInInput]>('cancelPortIn');

export interface CancelPhoneNumbersInput {
  /** E.164 numbers of this order. */
  phoneNumbers: string[];
  reason?: string;
}
export interface CancelPhoneNumbersResult {
  canceledNumbers: string[];
}
/**
 * Update: cancel some numbers. Rejected by its validator for numbers not in the order, numbers that
 * have already ended, and numbers past their 72-hour cancel cutoff.
 */
export const cancelPhoneNumbersUpdate = defineUpdate<CancelPhoneNumbersResult, [CancelPhoneNumbersInput]>(
  'cancelPhoneNumbers'
);

export interface ResubmitRejectedInput {
  /** The corrected losing-carrier data (complete, as in an order). */
  losingCarrierInformation: LosingCarrierInput;
  /** Which rejected numbers to resubmit; all rejected numbers when omitted. */
  phoneNumbers?: string[];
  /** Corrected PINs by number, where the PIN was the problem. */
  pins?: Record<string, string>;
  /** A new target date (YYYY-MM-DD); defaults to the order's, or 8 days out if that is too close. */
  targetPortInDate?: string;
}
export interface ResubmitRejectedResult {
  newRequestSid: string;
  resubmittedNumbers: string[];
  canceledInRequests: string[];
}
/**
 * Update: file a new request for the rejected numbers with corrected losing-carrier data, linked to
 * the order, then cancel them in the requests that rejected them (orders started before the patch
 * `portflow-resubmit-create-first` cancel first). When the new request is refused, every number stays
 * where it was. Rejected by its validator when no given number is rejected.
 */
export const resubmitRejectedUpdate = defineUpdate<ResubmitRejectedResult, [ResubmitRejectedInput]>('resubmitRejected');

/**
 * The answer of `portInStatus` and its parts. These are the public shape: they are built field by
 * field from the workflow's internal state (see ./status-view), so the reducer's internals can change
 * without changing what callers read.
 */
export type NumberStatusView = PhoneNumberStatus | 'checking' | 'not_portable';

export type OrderPhaseView =
  | 'checking_portability'
  | 'uploading_bill'
  | 'creating_requests'
  | 'porting'
  | 'completed'
  | 'canceled'
  | 'expired'
  | 'failed';

export interface PreviousAttemptView {
  requestSid: string;
  phoneNumberSid: string | null;
  status: NumberStatusView;
  rejection: { code: number | null; reason: string | null; at: string } | null;
}

export interface NumberView {
  phoneNumber: string;
  status: NumberStatusView;
  statusLabel: string;
  rawStatus: string | null;
  requestSid: string | null;
  phoneNumberSid: string | null;
  portDate: string | null;
  /** ISO: the last moment this number can be canceled. Null once it has ended. */
  cancelCutoff: string | null;
  rejection: { code: number | null; reason: string | null; at: string } | null;
  notPortable: { code: number | null; reason: string | null } | null;
  previousAttempts: PreviousAttemptView[];
  /** After the port (orders started since post-port activation): present once the number completed. */
  activation?: ActivationView;
}

/**
 * A completed number in the account: `activating`, then `live` or `configuration_failed` with the
 * reason (Twilio's message when Twilio refused; `code` is Twilio's).
 */
export interface ActivationView {
  status: 'activating' | 'live' | 'configuration_failed';
  /** `PN…`: the number in the account's IncomingPhoneNumbers. */
  phoneNumberSid: string | null;
  /** The `onPorted` fields set on the number. */
  configured: string[];
  messagingServiceSid: string | null;
  reason: string | null;
  code: number | null;
  /** How many times the account was checked for the number. */
  checks: number | null;
  at: string;
}

export interface RequestView {
  sid: string;
  status: PortInRequestStatus;
  rawStatus: string | null;
  phoneNumbers: string[];
  createdAt: string;
  resubmissionOf: string[];
  waitingForSignatureSince: string | null;
  signatureRequestUrl: string | null;
  orderCancellationReason: string | null;
  lastEventAt: string | null;
  loaExpiresAt: string | null;
  /** When the next LOA reminder fires while the request waits for a signature (options.loaReminders). */
  nextLoaReminderAt: string | null;
}

export interface TimelineEntryView {
  /** Workflow time. */
  at: string;
  kind: string;
  message: string;
  requestSid?: string;
  phoneNumber?: string;
}

/** Why an order failed: `type` is one of `PortInFailureType` (./failures), `code` Twilio's when it gave one. */
export interface FailureView {
  type: string;
  code: number | null;
  message: string;
}

/** Why an order is "Needs Attention": `reason` is one of `AttentionReason` (./failures). */
export interface AttentionView {
  reason: string;
  code: number | null;
  message: string;
  operation: string;
  since: string;
  failures: number;
  /** When the order asks Twilio again. */
  nextAttemptAt: string | null;
}

/** Delivery of the order's lifecycle events to its backend (README "Events for your backend"). */
export interface EventsView {
  /** Accepted by the endpoint. */
  delivered: number;
  /** Waiting in the outbox, in order. */
  pending: number;
  /** True while deliveries fail (the port goes on regardless). */
  failing: boolean;
  failingSince: string | null;
  /** Failed delivery attempts in the current streak (each after the activity's own retries). */
  failedAttempts: number;
  lastError: { at: string; message: string } | null;
  lastDeliveredAt: string | null;
  /** Dropped because the outbox was full (oldest first). */
  dropped: number;
  /** Still undelivered when the order ended and `eventsGiveUpAfter` ran out. */
  givenUp: number;
  /** Events recorded so far (the next event's `sequence`). */
  recorded: number;
}

export interface PortInStatusView {
  orderId: string;
  customerRef: string;
  /** Operator-facing status, e.g. `Waiting for Signature`, `Action Required`, `Needs Attention`, `Failed`. */
  status: string;
  phase: OrderPhaseView;
  targetPortInDate: string;
  requestSids: string[];
  requests: RequestView[];
  numbers: NumberView[];
  counts: {
    total: number;
    pending: number;
    completed: number;
    canceled: number;
    notPortable: number;
    rejected: number;
  };
  deadlines: {
    /** The earliest LOA expiry among requests waiting for a signature. */
    loaExpiresAt: string | null;
    /** The next LOA reminder among requests waiting for a signature. */
    nextLoaReminderAt: string | null;
    /** The next cancel cutoff still ahead among numbers that could still be canceled (the last one once all have passed). */
    cancelCutoffAt: string | null;
    /** When the next `cancel-window-closing` warning fires (options.cancelWindowWarning before a cutoff). */
    cancelWindowWarningAt: string | null;
    /** When the auto-cancel policy next acts on a rejected number, if it is on. */
    autoCancelRejectedAt: string | null;
    nextReconcileAt: string | null;
  };
  timeline: TimelineEntryView[];
  timelineDropped: number;
  unknownStatuses: Array<{ at: string; requestSid: string; phoneNumber: string | null; rawStatus: string }>;
  /** Set once the order has failed. */
  failure: FailureView | null;
  /** Set while the order waits for Twilio to answer again (credentials, 404, outage). */
  attention: AttentionView | null;
  /** Lifecycle event delivery; null when the order sends no events (no URL, or a run from before them). */
  events: EventsView | null;
  /**
   * Events by what became of them: applied, duplicates, stale, unrouted, and `suspect` (webhooks the
   * reducer refused as backwards or dated too far ahead; each one triggers a reconcile). `runs`: this
   * order's runs so far (continue-as-new).
   */
  counters: { applied: number; duplicates: number; stale: number; unrouted: number; runs: number; suspect: number };
  /** After the port: how many completed numbers are activating, live, or failed their configuration (once any is). */
  activation?: { activating: number; live: number; configurationFailed: number };
}

/** Query: the whole state of the order, with deadlines and a timeline. */
export const portInStatusQuery = defineQuery<PortInStatusView>('portInStatus');

export interface PortInResult {
  orderId: string;
  outcome: 'completed' | 'canceled' | 'expired';
  requestSids: string[];
  numbers: Array<{
    phoneNumber: string;
    status: NumberStatusView;
    requestSid: string | null;
    portDate: string | null;
    rejection: { code: number | null; reason: string | null } | null;
    notPortable: { code: number | null; reason: string | null } | null;
    /** After the port: `live`, or `configuration_failed` with the reason (absent before post-port activation). */
    activation?: { status: ActivationView['status']; phoneNumberSid: string | null; reason: string | null };
  }>;
}
