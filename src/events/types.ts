/**
 * The lifecycle events portflow sends to a backend: their names and payloads. Shared by the
 * workflow (which derives them, src/workflows/lifecycle-events.ts), the delivery activity and the
 * receiver's verification helper. Free of I/O, so workflow code may import it.
 *
 * Every payload follows the Standard Webhooks shape `{ type, timestamp, data }`; the event's id
 * travels in the `webhook-id` header (and in `data.eventId`), its place in the order's sequence in
 * `data.sequence`. Payloads carry phone numbers, sids, statuses and reasons: never a PIN or an
 * account number.
 */

export const PORTFLOW_EVENT_TYPES = [
  'order.started',
  'order.action_required',
  'number.status_changed',
  'number.rejected',
  'loa.reminder',
  'loa.expired',
  'cancel_window.closing',
  'cancel_window.closed',
  'number.ported',
  'number.live',
  'number.configuration_failed',
  'order.completed',
  'order.failed',
  'order.canceled',
] as const;

export type PortflowEventType = (typeof PORTFLOW_EVENT_TYPES)[number];

/** Fields of every event's `data`. */
export interface PortflowEventBase {
  /** The same as the `webhook-id` header: `evt_<workflow id>_<first run id>_<sequence>`; deduplicate on it. */
  eventId: string;
  /** 0, 1, 2, … per order, in the order the events happened (and are delivered). */
  sequence: number;
  orderId: string;
  customerRef: string;
}

export interface PortflowEventData extends PortflowEventBase {
  phoneNumber?: string;
  requestSid?: string | null;
  /** Human-readable, as in the order's timeline. */
  message?: string;
  [key: string]: unknown;
}

/** One event as posted: the JSON body of the request. */
export interface PortflowEvent {
  type: PortflowEventType;
  /** Workflow time at which the change was recorded (ISO 8601). */
  timestamp: string;
  data: PortflowEventData;
}

/**
 * The `webhook-id` of an order's event: deterministic, so every retry carries the same one. The
 * first run's id (kept across continue-as-new) tells apart two orders started under the same order
 * id once the first has left the server's retention: their events would otherwise share ids.
 */
export function portflowEventId(workflowId: string, firstRunId: string, sequence: number): string {
  // Workflow ids are `portin-` + an order id of [A-Za-z0-9._:-], run ids are UUIDs: `_` separates unambiguously.
  return `evt_${workflowId}_${firstRunId}_${sequence}`;
}
