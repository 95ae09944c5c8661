import { randomUUID } from 'node:crypto';

import type { OutgoingEvent, WebhookPayload } from './events';
import type { FaultRegistry, WebhookFaultSpec } from './faults';
import type { WebhookConfiguration } from './model';
import { HttpPoster } from './http-post';
import { signJsonWebhook } from './signature';

/**
 * Delivers porting webhooks the way Twilio does: JSON POST to the account's `port_in_target_url`,
 * filtered by `notifications_of`, signed (`bodySHA256` + `X-Twilio-Signature`), with an
 * `I-Twilio-Idempotency-Token` that stays the same across retries of one event. Non-2xx answers
 * and timeouts are retried with exponential backoff up to `attempts` times; at most `concurrency`
 * deliveries are in flight. Webhook faults (duplicate, drop, delay, reorder) are applied here.
 */

/** Retry policy of webhook delivery (real milliseconds). */
export interface WebhookRetry {
  /** Total attempts per delivery, the first included. */
  attempts: number;
  /** Backoff before retry n is `baseDelayMs × 2^(n-1)`. */
  baseDelayMs: number;
  /** Per-attempt timeout. */
  timeoutMs: number;
}

export const DEFAULT_WEBHOOK_RETRY: Readonly<WebhookRetry> = { attempts: 5, baseDelayMs: 500, timeoutMs: 5_000 };

export interface DeliveryAttempt {
  /** Real time the attempt started. */
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export type DeliveryStatus =
  'queued' | 'in-flight' | 'retrying' | 'delivered' | 'failed' | 'dropped' | 'delayed' | 'held';

/** One delivery of one event, as `GET /_sandbox/webhooks` shows it. */
export interface Delivery {
  id: string;
  event: string;
  portInRequestSid: string;
  portInPhoneNumberSid: string | null;
  /** The URL posted to, `bodySHA256` included. */
  url: string;
  headers: Record<string, string>;
  /** The raw JSON body, byte for byte what was signed. */
  body: string;
  payload: WebhookPayload;
  idempotencyToken: string;
  status: DeliveryStatus;
  attempts: DeliveryAttempt[];
  createdAt: string;
  deliveredAt: string | null;
  /** The webhook fault applied to this event, if any. */
  fault: WebhookFaultSpec['fault'] | null;
  /** Set on the extra copy a `duplicate` fault sends. */
  duplicateOf: string | null;
}

export interface NotifierDeps {
  config: (accountSid: string) => WebhookConfiguration | undefined;
  authToken: string;
  retry: () => WebhookRetry;
  faults: FaultRegistry;
  concurrency: number;
  onError: (message: string) => void;
  /** Deliveries kept for `GET /_sandbox/webhooks`; the oldest finished ones are forgotten first. */
  maxLog?: number;
}

interface ReorderBatch {
  spec: Extract<WebhookFaultSpec, { fault: 'reorder' }>;
  pattern: RegExp | null;
  items: Delivery[];
  timer: NodeJS.Timeout;
}

const FINISHED: ReadonlySet<DeliveryStatus> = new Set(['delivered', 'failed', 'dropped']);

export class WebhookNotifier {
  private log: Delivery[] = [];
  private queue: Delivery[] = [];
  private queueHead = 0;
  private active = 0;
  /** Bumped by reset/stop so attempts started before it do not touch the new bookkeeping. */
  private epoch = 0;
  private unfinished = 0;
  private seq = 0;
  private timers = new Set<NodeJS.Timeout>();
  private readonly poster = new HttpPoster();
  private batch: ReorderBatch | null = null;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(private readonly d: NotifierDeps) {}

  /** Routes one event: filter, sign, apply faults, queue. Events without a target URL are not sent. */
  publish(ev: OutgoingEvent): void {
    if (this.stopped) return;
    const config = this.d.config(ev.accountSid);
    const target = config?.portInTargetUrl;
    if (!config || !target) return;
    const name = ev.payload.status;
    if (config.notificationsOf.length > 0 && !config.notificationsOf.includes(name)) return;

    const body = JSON.stringify(ev.payload);
    const { url, signature } = signJsonWebhook(this.d.authToken, target, body);
    const delivery = this.record({
      id: `WD${String(++this.seq).padStart(8, '0')}`,
      event: name,
      portInRequestSid: ev.payload.port_in_request_sid,
      portInPhoneNumberSid: 'port_in_phone_number_sid' in ev.payload ? ev.payload.port_in_phone_number_sid : null,
      url,
      headers: {
        'content-type': 'application/json',
        'x-twilio-signature': signature,
        'i-twilio-idempotency-token': randomUUID(),
        'user-agent': 'TwilioProxy/1.1',
      },
      body,
      payload: ev.payload,
      idempotencyToken: '',
      status: 'queued',
      attempts: [],
      createdAt: new Date().toISOString(),
      deliveredAt: null,
      fault: null,
      duplicateOf: null,
    });
    delivery.idempotencyToken = delivery.headers['i-twilio-idempotency-token'] as string;

    if (this.batch && (this.batch.pattern == null || this.batch.pattern.test(name))) {
      this.hold(delivery);
      return;
    }
    const fault = this.d.faults.takeWebhook(name);
    if (!fault) {
      this.enqueue(delivery);
      return;
    }
    delivery.fault = fault.fault;
    switch (fault.fault) {
      case 'drop':
        this.finish(delivery, 'dropped');
        return;
      case 'duplicate': {
        this.enqueue(delivery);
        const copy = this.record({
          ...delivery,
          id: `WD${String(++this.seq).padStart(8, '0')}`,
          attempts: [],
          duplicateOf: delivery.id,
        });
        this.enqueue(copy);
        return;
      }
      case 'delay':
        delivery.status = 'delayed';
        this.later(fault.delayMs, () => this.enqueue(delivery));
        return;
      case 'reorder': {
        const timer = setTimeout(() => this.releaseBatch(), fault.maxHoldMs);
        this.timers.add(timer);
        this.batch = {
          spec: fault,
          pattern: fault.eventPattern ? new RegExp(fault.eventPattern) : null,
          items: [],
          timer,
        };
        this.hold(delivery);
        return;
      }
    }
  }

  /** Deliveries, oldest first, optionally filtered. */
  list(filter: { event?: string; status?: string; portInRequestSid?: string } = {}): Delivery[] {
    return this.log.filter(
      (x) =>
        (filter.event == null || x.event === filter.event) &&
        (filter.status == null || x.status === filter.status) &&
        (filter.portInRequestSid == null || x.portInRequestSid === filter.portInRequestSid)
    );
  }

  /** Resolves when nothing is queued, in flight, waiting to retry, delayed or held. */
  idle(): Promise<void> {
    if (this.unfinished === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forgets every delivery and drops pending ones (used by `POST /_sandbox/reset`). */
  reset(): void {
    this.cancelEverything();
    this.log = [];
    this.stopped = false;
  }

  /** Aborts in-flight deliveries, clears every timer and closes connections. */
  stop(): void {
    this.stopped = true;
    this.cancelEverything();
    this.poster.close();
  }

  private cancelEverything(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.poster.abortAll();
    this.batch = null;
    this.queue = [];
    this.queueHead = 0;
    for (const x of this.log) if (!FINISHED.has(x.status)) x.status = 'dropped';
    this.unfinished = 0;
    this.active = 0;
    this.epoch++;
    this.wakeIdle();
  }

  private record(delivery: Delivery): Delivery {
    this.log.push(delivery);
    this.unfinished++;
    const max = this.d.maxLog ?? 50_000;
    if (this.log.length > max * 1.1) {
      let excess = this.log.length - max;
      this.log = this.log.filter((x) => !(excess > 0 && FINISHED.has(x.status) && excess-- > 0));
    }
    return delivery;
  }

  private hold(delivery: Delivery): void {
    const batch = this.batch as ReorderBatch;
    delivery.status = 'held';
    delivery.fault = 'reorder';
    batch.items.push(delivery);
    if (batch.items.length >= batch.spec.count) this.releaseBatch();
  }

  private releaseBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    clearTimeout(batch.timer);
    this.timers.delete(batch.timer);
    for (const x of batch.items.reverse()) this.enqueue(x);
  }

  private enqueue(delivery: Delivery): void {
    if (this.stopped) return;
    delivery.status = 'queued';
    this.queue.push(delivery);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.d.concurrency && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++] as Delivery;
      if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.active++;
      const epoch = this.epoch;
      void this.attempt(next).finally(() => {
        if (epoch !== this.epoch) return;
        this.active--;
        this.pump();
      });
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const retry = this.d.retry();
    delivery.status = 'in-flight';
    const started = Date.now();
    const attempt: DeliveryAttempt = {
      at: new Date(started).toISOString(),
      statusCode: null,
      error: null,
      durationMs: 0,
    };
    delivery.attempts.push(attempt);
    try {
      const status = await this.poster.post(delivery.url, delivery.headers, delivery.body, retry.timeoutMs);
      attempt.statusCode = status;
      if (status < 200 || status >= 300) attempt.error = `receiver answered HTTP ${status}`;
    } catch (err) {
      attempt.error = describe(err, retry.timeoutMs);
    } finally {
      attempt.durationMs = Date.now() - started;
    }
    // reset() may have dropped it while the request was in flight.
    if (this.stopped || (delivery.status as DeliveryStatus) === 'dropped') return;
    if (attempt.error == null) {
      delivery.deliveredAt = new Date().toISOString();
      this.finish(delivery, 'delivered');
    } else if (delivery.attempts.length >= retry.attempts) {
      this.d.onError(`webhook ${delivery.id} (${delivery.event}) to ${delivery.url} failed: ${attempt.error}`);
      this.finish(delivery, 'failed');
    } else {
      delivery.status = 'retrying';
      this.later(retry.baseDelayMs * 2 ** (delivery.attempts.length - 1), () => this.enqueue(delivery));
    }
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private finish(delivery: Delivery, status: 'delivered' | 'failed' | 'dropped'): void {
    delivery.status = status;
    this.unfinished = Math.max(0, this.unfinished - 1);
    if (this.unfinished === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function describe(err: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: errors may come from another realm (e.g. under jest).
  const e = err as { name?: string; message?: string; cause?: { code?: string } } | null;
  if (e?.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e?.name === 'AbortError') return 'aborted (sandbox reset or stopping)';
  if (e?.message) return e.cause?.code ? `${e.message} (${e.cause.code})` : e.message;
  return String(err);
}
