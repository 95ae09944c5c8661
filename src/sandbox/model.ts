import type { Scenario } from './scenarios';

/**
 * The sandbox's own in-memory records (camelCase, independent of src/twilio). Wire shapes are
 * produced from these by wire.ts.
 */

/** Request statuses, canonical snake_case (the porting overview's table). */
export type RequestStatus =
  | 'in_review'
  | 'waiting_for_signature'
  | 'in_progress'
  | 'action_required'
  | 'completed'
  | 'canceling'
  | 'canceled'
  | 'expired';

/** Per-number statuses, canonical snake_case (the porting overview's second table). */
export type NumberStatus =
  | 'in_review'
  | 'waiting_for_signature'
  | 'port_submitted'
  | 'port_pending'
  | 'port_rejected'
  | 'completed'
  | 'canceling'
  | 'canceled';

export const REQUEST_STATUSES: readonly RequestStatus[] = [
  'in_review',
  'waiting_for_signature',
  'in_progress',
  'action_required',
  'completed',
  'canceling',
  'canceled',
  'expired',
];

export const NUMBER_STATUSES: readonly NumberStatus[] = [
  'in_review',
  'waiting_for_signature',
  'port_submitted',
  'port_pending',
  'port_rejected',
  'completed',
  'canceling',
  'canceled',
];

export interface Address {
  street: string;
  street_2: string | null;
  city: string;
  state: string;
  zip: string;
  country: string;
}

export interface LosingCarrierInformation {
  customerType: 'Business' | 'Individual';
  customerName: string;
  accountNumber: string | null;
  accountTelephoneNumber: string;
  authorizedRepresentative: string;
  authorizedRepresentativeEmail: string;
  addressSid: string | null;
  address: Address | null;
}

export interface DocumentRecord {
  sid: string;
  accountSid: string;
  documentType: string;
  friendlyName: string | null;
  mimeType: string;
  size: number;
  createdAt: number;
}

export interface NumberRecord {
  sid: string;
  requestSid: string;
  phoneNumber: string;
  scenario: Scenario;
  /** Whether a PIN was given (the PIN itself is never kept). */
  hasPin: boolean;
  status: NumberStatus;
  createdAt: number;
  updatedAt: number;
  rejectionReason: string | null;
  rejectionReasonCode: number | null;
  /** Confirmed port date (FOC), simulated epoch ms. */
  portDate: number | null;
  /** Bumped on every transition so queued jobs for an older state do nothing. */
  gen: number;
}

export interface PortInRecord {
  sid: string;
  accountSid: string;
  createdAt: number;
  status: RequestStatus;
  statusUpdatedAt: number;
  targetPortInDate: string | null;
  timeRangeStart: string | null;
  timeRangeEnd: string | null;
  notificationEmails: string[];
  losingCarrier: LosingCarrierInformation;
  documents: string[];
  bundleSid: string | null;
  supportTicketId: number;
  signatureRequestUrl: string | null;
  orderCancellationReason: string | null;
  /** When the request entered Waiting for Signature (the 30-day expiry counts from here). */
  waitingSince: number | null;
  signedAt: number | null;
  numbers: NumberRecord[];
  numbersBySid: Map<string, NumberRecord>;
  /** How many numbers are in each status, so request-level rules are O(1) per transition. */
  counts: Record<NumberStatus, number>;
}

export interface WebhookConfiguration {
  portInTargetUrl: string | null;
  portOutTargetUrl: string | null;
  notificationsOf: string[];
  portInTargetDateCreated: number | null;
  portOutTargetDateCreated: number | null;
}

export function emptyCounts(): Record<NumberStatus, number> {
  return {
    in_review: 0,
    waiting_for_signature: 0,
    port_submitted: 0,
    port_pending: 0,
    port_rejected: 0,
    completed: 0,
    canceling: 0,
    canceled: 0,
  };
}
