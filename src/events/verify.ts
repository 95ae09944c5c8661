import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { PORTFLOW_EVENT_TYPES } from './types';
import type { PortflowEvent } from './types';

/** A request that is not an authentic portflow event (bad or missing signature, too old, not an event). */
export class PortflowEventVerificationError extends Error {
  override readonly name = 'PortflowEventVerificationError';
}

/** Node's `req.headers`, a fetch `Headers`, or any plain record of header names (any casing). */
export type EventHeaders = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: EventHeaders, name: string): string {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? '';
  }
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return (Array.isArray(value) ? value[0] : value) ?? '';
  }
  return '';
}

/**
 * Checks a delivered event's Standard Webhooks signature (and that its timestamp is within five
 * minutes) with the shared `whsec_…` secret, and returns the event. `payload` must be the raw
 * body, byte for byte: verify before parsing. Throws {@link PortflowEventVerificationError}.
 */
export function verifyPortflowEvent(payload: string | Buffer, headers: EventHeaders, secret: string): PortflowEvent {
  const id = header(headers, 'webhook-id');
  let event: unknown;
  try {
    event = new Webhook(secret).verify(payload, {
      'webhook-id': id,
      'webhook-timestamp': header(headers, 'webhook-timestamp'),
      'webhook-signature': header(headers, 'webhook-signature'),
    });
  } catch (err) {
    if (err instanceof WebhookVerificationError) throw new PortflowEventVerificationError(err.message);
    throw new PortflowEventVerificationError(
      `Cannot verify the event: ${err instanceof Error ? err.message : String(err)}`
    );
  }
  const e = event as Partial<PortflowEvent> | null;
  if (!e || !(PORTFLOW_EVENT_TYPES as readonly unknown[]).includes(e.type) || typeof e.data !== 'object' || !e.data) {
    throw new PortflowEventVerificationError('Signed, but not a portflow event: expected { type, timestamp, data }');
  }
  if (e.data.eventId !== id) {
    throw new PortflowEventVerificationError(
      `webhook-id ${id} does not match the event's id ${String(e.data.eventId)}`
    );
  }
  return e as PortflowEvent;
}
