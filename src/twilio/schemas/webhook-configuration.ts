/**
 * The account's porting webhook configuration: `POST|GET /v1/Porting/Configuration/Webhook`,
 * `DELETE /v1/Porting/Configuration/Webhook/{PORT_IN|PORT_OUT}`.
 */
import { z } from 'zod';
import type { PortingEventName } from '../porting-event';
import { nullableString, stringList } from './common';

/**
 * What `configureWebhooks` sets. A field left out is left out of the body too; whether Twilio then
 * keeps or clears the current value is not documented (the sandbox keeps it), so pass every field
 * you care about.
 */
export interface WebhookConfigurationInput {
  /** Where port-in events go. At least one of the two URLs. */
  portInTargetUrl?: string;
  /** Where port-out events go. */
  portOutTargetUrl?: string;
  /** Only these events; `[]` means all. Unknown names are passed through, not rejected. */
  notificationsOf?: ReadonlyArray<PortingEventName | (string & {})>;
}

/** {@link WebhookConfigurationInput} to the JSON body. */
export const webhookConfigurationOutbound = z
  .object({
    portInTargetUrl: z.string().optional(),
    portOutTargetUrl: z.string().optional(),
    notificationsOf: z.array(z.string()).readonly().optional(),
  })
  .transform((c) => ({
    port_in_target_url: c.portInTargetUrl,
    port_out_target_url: c.portOutTargetUrl,
    notifications_of: c.notificationsOf ? [...c.notificationsOf] : undefined,
  }));

/** The configuration as Twilio reports it (dates only on fetch). */
export interface WebhookConfiguration {
  portInTargetUrl: string | null;
  portOutTargetUrl: string | null;
  /** Empty means every event. */
  notificationsOf: string[];
  portInTargetDateCreated: string | null;
  portOutTargetDateCreated: string | null;
  url: string | null;
}

/** Wire to {@link WebhookConfiguration}. */
export const webhookConfigurationInbound = z
  .object({
    port_in_target_url: nullableString,
    port_out_target_url: nullableString,
    notifications_of: stringList,
    port_in_target_date_created: nullableString,
    port_out_target_date_created: nullableString,
    url: nullableString,
  })
  .transform((w): WebhookConfiguration => ({
    portInTargetUrl: w.port_in_target_url,
    portOutTargetUrl: w.port_out_target_url,
    notificationsOf: w.notifications_of,
    portInTargetDateCreated: w.port_in_target_date_created,
    portOutTargetDateCreated: w.port_out_target_date_created,
    url: w.url,
  }));

/** Which of the two webhook targets to delete. */
export type WebhookType = 'PORT_IN' | 'PORT_OUT';
