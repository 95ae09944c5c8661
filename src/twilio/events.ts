/**
 * Porting events in the one shape the workflow's reducer applies ({@link PortingEvent}): from a
 * webhook delivery, or from a fetched PortIn (the reconciliation poll). Never throws on bad input:
 * a webhook that cannot be used is a {@link ParseFailure} the receiver can answer and log.
 */
import {
  type NumberPortingEvent,
  type PortingEvent,
  PortingEventName,
  type RequestPortingEvent,
  eventStatus,
} from './porting-event';
import { toIsoOrNull } from './schemas/common';
import type { PortIn } from './schemas/port-in';
import { webhookEventInbound } from './schemas/webhook-event';

/** Why a webhook body did not become a {@link PortingEvent}. */
export interface ParseFailure {
  ok: false;
  /**
   * `invalid-body`: not JSON / form data / an object. `invalid-fields`: required fields missing or
   * malformed. `unknown-event`: no known event name. `not-port-in`: a known event that says nothing
   * about a port-in (PortOutPhoneNumberCompleted): acknowledge and ignore.
   */
  code: 'invalid-body' | 'invalid-fields' | 'unknown-event' | 'not-port-in';
  /** For a log line; never contains a PIN or account number. */
  reason: string;
  /** The event name as received, if one was found. */
  eventName: string | null;
  /** The `KW…` sid, if one was readable: lets the receiver say which request a bad event was about. */
  portInRequestSid: string | null;
}

/** True for a {@link ParseFailure} (a {@link PortingEvent} has no `ok` field). */
export function isParseFailure(value: PortingEvent | ParseFailure): value is ParseFailure {
  return 'ok' in value && value.ok === false;
}

/** Options of {@link parsePortingWebhook}. */
export interface ParseWebhookOptions {
  /** The delivery's `I-Twilio-Idempotency-Token` header, kept on the event for de-duplication. */
  idempotencyToken?: string | null;
}

const canonicalNames = new Map(Object.values(PortingEventName).map((n) => [nameKey(n), n]));

/** `PortInPhoneNumberRejected`, `port_in_phone_number_rejected`, `PORT-IN-PHONE-NUMBER-REJECTED` compare equal. */
function nameKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The canonical event name for any casing or separator style, or null if it is not one of the 13. */
export function normalizeEventName(name: string): PortingEventName | null {
  return canonicalNames.get(nameKey(name)) ?? null;
}

/** `portInRequestSid` and `PortInRequestSid` -> `port_in_request_sid`; snake_case keys are kept. */
function snakeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[-\s]+/g, '_')
    .toLowerCase();
}

/** Reads the body as an object: already parsed, JSON text or bytes, or form-encoded text. */
function bodyObject(body: unknown): Record<string, unknown> | null {
  if (body instanceof Uint8Array) body = Buffer.from(body).toString('utf8');
  if (typeof body === 'string') {
    const text = body.trim();
    if (text.startsWith('{')) {
      try {
        body = JSON.parse(text);
      } catch {
        return null;
      }
    } else if (text.includes('=')) {
      body = Object.fromEntries(new URLSearchParams(text));
    } else {
      return null;
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const key = snakeKey(k);
    // The snake_case spelling wins when both arrive.
    if (!(key in out) || key === k) out[key] = v;
  }
  return out;
}

const failure = (
  code: ParseFailure['code'],
  reason: string,
  eventName: string | null = null,
  portInRequestSid: string | null = null
): ParseFailure => ({ ok: false, code, reason, eventName, portInRequestSid });

/**
 * Turns one webhook delivery into a {@link PortingEvent} (source `webhook`), or says why not.
 * `eventName` on the result is the canonical name; `rawStatus` is `status` exactly as sent.
 */
export function parsePortingWebhook(body: unknown, options: ParseWebhookOptions = {}): PortingEvent | ParseFailure {
  const object = bodyObject(body);
  if (!object) return failure('invalid-body', 'the body is not a JSON object or form data');

  const sid = typeof object.port_in_request_sid === 'string' ? object.port_in_request_sid : null;
  const candidates = [object.event_type, object.event, object.status].filter(
    (v): v is string => typeof v === 'string' && v.trim() !== ''
  );
  let name: PortingEventName | null = null;
  for (const candidate of candidates) {
    name = normalizeEventName(candidate);
    if (name) break;
  }
  const received = candidates[0] ?? null;
  if (!name) {
    const reason = received
      ? `unknown event name ${JSON.stringify(received.slice(0, 100))}: expected one of the ${canonicalNames.size} porting events`
      : 'no event name: expected one in status, event_type or event';
    return failure('unknown-event', reason, received, sid);
  }
  const level = eventStatus[name];
  if (!level) {
    return failure('not-port-in', `${name} concerns a port-out, not a port-in request`, name, sid);
  }

  const parsed = webhookEventInbound.safeParse(object);
  if (!parsed.success) {
    // Paths and our own messages only: never the values, which may include a PIN.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    return failure('invalid-fields', `${name}: ${issues}`, name, sid);
  }
  const w = parsed.data;
  const rawStatus = w.status ?? received ?? name;
  const common = {
    source: 'webhook' as const,
    eventName: name,
    portInRequestSid: w.port_in_request_sid,
    rawStatus,
    occurredAt: toIsoOrNull(w.last_date_updated),
    idempotencyToken: options.idempotencyToken ?? null,
  };

  if (level.level === 'request') {
    const event: RequestPortingEvent = {
      ...common,
      level: 'request',
      status: level.status,
      orderCancellationReason: w.order_cancellation_reason,
      signatureRequestUrl: w.signature_request_url,
    };
    return event;
  }
  if (w.port_in_phone_number_sid == null && w.phone_number == null) {
    return failure(
      'invalid-fields',
      `${name}: a phone-number event needs port_in_phone_number_sid or phone_number`,
      name,
      w.port_in_request_sid
    );
  }
  const event: NumberPortingEvent = {
    ...common,
    level: 'number',
    status: level.status,
    phoneNumberSid: w.port_in_phone_number_sid,
    phoneNumber: w.phone_number,
    portDate: toIsoOrNull(w.port_date) ?? w.port_date,
    rejectionReason: w.rejection_reason,
    rejectionReasonCode: w.rejection_reason_code,
    notPortableReason: w.not_portable_reason,
    notPortableReasonCode: w.not_portable_reason_code,
  };
  return event;
}

/**
 * A fetched PortIn as events (source `poll`): one for the request, then one per number. Applied
 * through the same reducer as webhooks, so a lost webhook cannot strand a port.
 */
export function eventsFromPortIn(portIn: PortIn): PortingEvent[] {
  const request: RequestPortingEvent = {
    source: 'poll',
    eventName: null,
    level: 'request',
    portInRequestSid: portIn.portInRequestSid,
    status: portIn.status,
    rawStatus: portIn.rawStatus ?? '',
    // The PortIn resource has no "status changed at" field for the request as a whole.
    occurredAt: null,
    orderCancellationReason: portIn.orderCancellationReason,
    signatureRequestUrl: portIn.signatureRequestUrl,
  };
  const numbers = portIn.phoneNumbers.map((n): NumberPortingEvent => ({
    source: 'poll',
    eventName: null,
    level: 'number',
    portInRequestSid: portIn.portInRequestSid,
    status: n.status,
    rawStatus: n.rawStatus ?? '',
    occurredAt: toIsoOrNull(n.lastUpdated),
    phoneNumberSid: n.phoneNumberSid,
    phoneNumber: n.phoneNumber,
    portDate: toIsoOrNull(n.portDate) ?? n.portDate,
    rejectionReason: n.rejectionReason,
    rejectionReasonCode: n.rejectionReasonCode,
    notPortableReason: n.notPortableReason,
    notPortableReasonCode: n.notPortableReasonCode,
  }));
  return [request, ...numbers];
}
