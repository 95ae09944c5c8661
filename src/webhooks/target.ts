/**
 * The receiver pointing the account's PORT_IN webhook at itself at start-up
 * (`PORTFLOW_CONFIGURE_WEBHOOKS`): idempotent, says what it did, and never replaces someone
 * else's target unless told to.
 */
import type { PortingClient } from '../twilio/client';
import { TwilioApiError } from '../twilio/errors';
import type { WebhookConfiguration } from '../twilio/schemas/webhook-configuration';

/** The account's porting webhook configuration, or null when none is set (Twilio answers 404). */
export async function fetchWebhookConfiguration(porting: PortingClient): Promise<WebhookConfiguration | null> {
  try {
    return await porting.fetchWebhookConfiguration();
  } catch (err) {
    if (err instanceof TwilioApiError && err.status === 404) return null;
    throw err;
  }
}

export type EnsureTargetResult =
  | { action: 'unchanged'; targetUrl: string; notificationsOf: string[] }
  | { action: 'configured'; targetUrl: string }
  | { action: 'replaced'; targetUrl: string; previousUrl: string };

/** Another PORT_IN target is configured and `force` was not given: nothing was changed. */
export class WebhookTargetConflictError extends Error {
  override readonly name = 'WebhookTargetConflictError';
  constructor(
    readonly currentUrl: string,
    readonly wantedUrl: string
  ) {
    super(
      `The account's PORT_IN webhook goes to ${currentUrl}, not to this receiver (${wantedUrl}); left as it is. ` +
        'Set PORTFLOW_CONFIGURE_WEBHOOKS=force to replace it, or unset PORTFLOW_CONFIGURE_WEBHOOKS to leave webhook settings alone.'
    );
  }
}

/**
 * Makes the PORT_IN target `targetUrl`. Already so: nothing is written (its event filter is left as
 * the operator set it). None: set, for every event. Another URL: {@link WebhookTargetConflictError}
 * unless `force`. A configured PORT_OUT target is kept either way (the POST replaces the whole
 * configuration).
 */
export async function ensureWebhookTarget(
  porting: PortingClient,
  options: { targetUrl: string; force: boolean }
): Promise<EnsureTargetResult> {
  const current = await fetchWebhookConfiguration(porting);
  const previousUrl = current?.portInTargetUrl ?? null;
  if (previousUrl === options.targetUrl) {
    return { action: 'unchanged', targetUrl: options.targetUrl, notificationsOf: current?.notificationsOf ?? [] };
  }
  if (previousUrl && !options.force) throw new WebhookTargetConflictError(previousUrl, options.targetUrl);
  await porting.configureWebhooks({
    portInTargetUrl: options.targetUrl,
    ...(current?.portOutTargetUrl ? { portOutTargetUrl: current.portOutTargetUrl } : {}),
    notificationsOf: [],
  });
  return previousUrl
    ? { action: 'replaced', targetUrl: options.targetUrl, previousUrl }
    : { action: 'configured', targetUrl: options.targetUrl };
}

/** One line for the log: what {@link ensureWebhookTarget} did. */
export function describeTargetResult(accountSid: string, result: EnsureTargetResult): string {
  switch (result.action) {
    case 'unchanged':
      return (
        `PORT_IN webhooks of ${accountSid} already go to ${result.targetUrl} ` +
        `(${result.notificationsOf.length > 0 ? `only ${result.notificationsOf.join(', ')}` : 'every event'}); nothing changed`
      );
    case 'configured':
      return `PORT_IN webhooks of ${accountSid} were not configured; they now go to ${result.targetUrl} (every event)`;
    case 'replaced':
      return (
        `PORT_IN webhooks of ${accountSid} went to ${result.previousUrl}; replaced (PORTFLOW_CONFIGURE_WEBHOOKS=force): ` +
        `they now go to ${result.targetUrl} (every event)`
      );
  }
}
