/**
 * The body Twilio POSTs to the porting webhook target. Its payload section is not readable in the
 * docs (reference §1.3), so the schema accepts the spellings real handlers have met: the event name in
 * `status` (or `event_type` / `event`), either reason spelling, codes as strings or numbers, and any
 * extra fields. Keys may arrive camelCase; they are snake_cased before this schema runs.
 */
import { z } from 'zod';
import { PORT_IN_REQUEST_SID } from '../formats';
import { nullableBoolean, nullableInteger, nullableString, withAliases } from './common';

/** Wire webhook event, aliases resolved; still snake_case (events.ts maps it to a PortingEvent). */
export const webhookEventInbound = withAliases(
  {
    port_in_phone_number_sid: ['phone_number_sid'],
    not_portable_reason: ['not_portability_reason'],
    not_portable_reason_code: ['not_portability_reason_code'],
    last_date_updated: [
      'last_updated',
      'status_last_time_updated_timestamp',
      'status_last_updated_timestamp',
      'date_updated',
      'timestamp',
    ],
  },
  z.object({
    status: nullableString,
    event_type: nullableString,
    event: nullableString,
    port_in_request_sid: z
      .string({ error: 'port_in_request_sid is required (KW followed by 32 hex digits)' })
      .regex(PORT_IN_REQUEST_SID, { error: 'port_in_request_sid must be KW followed by 32 hex digits' }),
    port_in_phone_number_sid: nullableString,
    phone_number: nullableString,
    portable: nullableBoolean,
    not_portable_reason: nullableString,
    not_portable_reason_code: nullableInteger,
    rejection_reason: nullableString,
    rejection_reason_code: nullableInteger,
    port_date: nullableString,
    last_date_updated: nullableString,
    order_cancellation_reason: nullableString,
    signature_request_url: nullableString,
  })
);

/** The parsed wire event. */
export type WebhookEventWire = z.output<typeof webhookEventInbound>;
