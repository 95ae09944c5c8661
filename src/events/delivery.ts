/**
 * The activities that deliver lifecycle events: an order's pending events, posted one at a time and
 * in order, each signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`,
 * `webhook-signature`) by the `standardwebhooks` package. The workflow decides what to send and
 * when to try again (src/workflows/port-in-order.ts); these only do the I/O.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { Webhook } from 'standardwebhooks';
import { withHeartbeat } from '../activities/heartbeat';
import { eventsSecretProblem } from './secret';
import type { PortflowEvent } from './types';

/** The worker's settings for events (PORTFLOW_EVENTS_URL, PORTFLOW_EVENTS_SECRET, PORTFLOW_EVENTS_TIMEOUT_MS). */
export interface EventDeliverySettings {
  /** Where orders without their own `options.eventsUrl` send their events; none: only those that have one. */
  defaultUrl?: string;
  /** The `whsec_…` signing secret. Without it every delivery fails with `PortflowEventsNotConfigured`. */
  secret?: string;
  /** How long one POST may take before it counts as failed. @default 10000 */
  timeoutMs?: number;
}

export interface DeliverEventsInput {
  url: string;
  /** In sequence order; posted in that order, each only after the previous one was accepted. */
  events: PortflowEvent[];
}

export interface DeliverEventsResult {
  /** How many of `events`, from the first, the endpoint accepted (2xx). */
  delivered: number;
  /** Why the next one was not, when `delivered < events.length`. */
  error: string | null;
}

export const EVENTS_NOT_CONFIGURED = 'PortflowEventsNotConfigured';
export const EVENT_DELIVERY_FAILED = 'PortflowEventDeliveryFailed';
const DEFAULT_TIMEOUT_MS = 10_000;

/** The URL as errors and the status view show it: no query string or credentials (they may hold tokens). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function errorText(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A signal that aborts after `ms` or when `cancelled` does. Not
 * `AbortSignal.any([AbortSignal.timeout(ms), cancelled])`: Node's timer holds a timeout signal only
 * weakly, and `AbortSignal.any` holds the signals it combines weakly too, so nothing kept the timeout
 * alive. A garbage collection during the request dropped it, and the POST waited for as long as the
 * endpoint held the connection: under the activity's heartbeats, up to its 10 minutes. On Node 20.20
 * with a collection every 20 ms, 10 of 10 such requests hung; with a timeout signal alone, or with a
 * controller and a timer, none did. Here the timer holds the controller.
 */
function abortAfter(ms: number, cancelled: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  const onCancel = () => controller.abort(cancelled.reason);
  if (cancelled.aborted) onCancel();
  else cancelled.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      cancelled.removeEventListener('abort', onCancel);
    },
  };
}

export function createEventActivities(settings: EventDeliverySettings = {}) {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let signer: Webhook | undefined;

  return {
    /** The worker's default events URL, read once per run (a local activity: kept in history). */
    async getEventSettings(): Promise<{ defaultUrl: string | null }> {
      return { defaultUrl: settings.defaultUrl ?? null };
    },

    /**
     * Posts the events in order until one is refused. Fails (and is retried by Temporal) only when
     * the first one is; after a partial success it returns what was delivered and why it stopped.
     */
    async deliverPortflowEvents(input: DeliverEventsInput): Promise<DeliverEventsResult> {
      const where = describeUrl(input.url);
      const problem = settings.secret ? eventsSecretProblem(settings.secret) : 'PORTFLOW_EVENTS_SECRET is not set';
      if (problem) {
        throw ApplicationFailure.create({
          type: EVENTS_NOT_CONFIGURED,
          nonRetryable: true,
          message: `Events to ${where} are signed, and this worker has no usable secret: ${problem}`,
        });
      }
      signer ??= new Webhook(settings.secret!);
      const cancelled = Context.current().cancellationSignal;
      let delivered = 0;
      let error = null as string | null;
      await withHeartbeat(async () => {
        for (const event of input.events) {
          const body = JSON.stringify(event);
          const sentAt = new Date();
          const deadline = abortAfter(timeoutMs, cancelled);
          try {
            const response = await fetch(input.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'user-agent': 'portflow-events/1',
                'webhook-id': event.data.eventId,
                'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
                'webhook-signature': signer!.sign(event.data.eventId, sentAt, body),
              },
              body,
              redirect: 'manual',
              signal: deadline.signal,
            });
            await response.arrayBuffer().catch(() => undefined);
            if (response.status < 200 || response.status > 299) {
              error = `HTTP ${response.status} from ${where}`;
              return;
            }
          } catch (err) {
            if (cancelled.aborted) throw err;
            error = `${errorText(err, timeoutMs)} from ${where}`;
            return;
          } finally {
            deadline.clear();
          }
          delivered++;
        }
      });
      if (delivered === 0 && error) {
        throw ApplicationFailure.create({ type: EVENT_DELIVERY_FAILED, message: error });
      }
      return { delivered, error };
    },
  };
}

export type EventActivities = ReturnType<typeof createEventActivities>;
