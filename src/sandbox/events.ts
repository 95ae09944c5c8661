/**
 * Porting webhook payloads as the sandbox sends them (reference §1.3): JSON, snake_case, the
 * event name in `status`.
 */

/** The 13 porting event names (reference §1.2), accepted in `notifications_of`. */
export const WEBHOOK_EVENT_NAMES = [
  'PortInWaitingForSignature',
  'PortInInProgress',
  'PortInCompleted',
  'PortInActionRequired',
  'PortInCanceled',
  'PortInExpired',
  'PortInPhoneNumberWaitingForSignature',
  'PortInPhoneNumberSubmitted',
  'PortInPhoneNumberPending',
  'PortInPhoneNumberCompleted',
  'PortInPhoneNumberRejected',
  'PortInPhoneNumberCanceled',
  'PortOutPhoneNumberCompleted',
] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

export type RequestEventName = Extract<
  WebhookEventName,
  | 'PortInWaitingForSignature'
  | 'PortInInProgress'
  | 'PortInCompleted'
  | 'PortInActionRequired'
  | 'PortInCanceled'
  | 'PortInExpired'
>;
export type NumberEventName = Exclude<WebhookEventName, RequestEventName | 'PortOutPhoneNumberCompleted'>;

export interface RequestWebhookPayload {
  port_in_request_sid: string;
  status: RequestEventName;
  last_date_updated: string;
  order_cancellation_reason: string | null;
}

export interface NumberWebhookPayload {
  port_in_request_sid: string;
  port_in_phone_number_sid: string;
  phone_number: string;
  status: NumberEventName;
  last_date_updated: string;
  portable: boolean;
  not_portable_reason: string | null;
  not_portable_reason_code: number | null;
  rejection_reason: string | null;
  rejection_reason_code: number | null;
  port_date: string | null;
}

export type WebhookPayload = RequestWebhookPayload | NumberWebhookPayload;

/** One event on its way to the notifier: the payload plus the account whose configuration routes it. */
export interface OutgoingEvent {
  accountSid: string;
  payload: WebhookPayload;
}
