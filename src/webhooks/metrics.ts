/**
 * The receiver's Prometheus metrics, in a registry of its own (two receivers in one process, as in
 * tests, never collide), plus the same counts as plain numbers for tests and the benchmark.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { SignatureFailure } from './verify';

/** Why a request got a 4xx: a signature failure, or a body we would not read. */
export type RejectionReason = SignatureFailure | 'body-too-large' | 'unsupported-media-type' | 'invalid-json';
/** Why a verified event was held in its request's inbox instead of signalled to a running order. */
export type UnroutedReason = 'unknown-request' | 'workflow-closed';
/** Which key recognised a delivery already signalled. */
export type DuplicateKey = 'idempotency-token' | 'body-sha256' | 'signature';
/** The Temporal call that failed (answered 503 so Twilio retries). */
export type TemporalOperation = 'lookup' | 'signal' | 'hold';

/** Plain counts of everything the receiver did since it started. */
export interface WebhookStats {
  received: number;
  rejected: Partial<Record<RejectionReason, number>>;
  /** Verified signatures by the token that made them: `primary`, `additional-1`, … */
  verified: Record<string, number>;
  unparseable: Record<string, number>;
  routed: number;
  /** Events held in an inbox (signal-with-start), by why they could not be signalled directly. */
  held: Partial<Record<UnroutedReason, number>>;
  duplicate: number;
  temporalErrors: number;
}

/** Seconds; a local signal is a few ms, Temporal Cloud p99 ~0.1 s, Twilio gives up at 15 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly counts: WebhookStats = {
    received: 0,
    rejected: {},
    verified: {},
    unparseable: {},
    routed: 0,
    held: {},
    duplicate: 0,
    temporalErrors: 0,
  };

  private readonly receivedTotal: Counter;
  private readonly rejectedTotal: Counter<'reason'>;
  private readonly verifiedTotal: Counter<'token'>;
  private readonly verifiedByToken: Counter.Internal[] = [];
  private readonly unparseableTotal: Counter<'code'>;
  private readonly routedTotal: Counter<'event'>;
  private readonly routedByEvent = new Map<string, Counter.Internal>();
  private readonly heldTotal: Counter<'reason'>;
  private readonly duplicateTotal: Counter<'key'>;
  private readonly temporalErrorsTotal: Counter<'operation'>;
  private readonly lookupsTotal: Counter<'result'>;
  private readonly signalLatency: Histogram;

  /** @param processMetrics - also export Node's default process metrics (CPU, memory, event loop). */
  constructor(processMetrics = false) {
    const registers = [this.registry];
    this.receivedTotal = new Counter({
      name: 'portflow_webhook_requests_total',
      help: 'Webhook POSTs received, before any check.',
      registers,
    });
    this.rejectedTotal = new Counter({
      name: 'portflow_webhook_rejected_total',
      help: 'Webhook POSTs refused (403 signature, 413 size, 415 content type, 400 not JSON), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.verifiedTotal = new Counter({
      name: 'portflow_webhook_verified_total',
      help:
        'Webhook POSTs whose signature verified, by the token that made it: primary (TWILIO_AUTH_TOKEN) or ' +
        'additional-N (the Nth of TWILIO_WEBHOOK_AUTH_TOKENS). A rotated-out token can go once its count stops rising.',
      labelNames: ['token'],
      registers,
    });
    this.unparseableTotal = new Counter({
      name: 'portflow_webhook_unparseable_total',
      help: 'Verified webhooks that are not a usable port-in event (acknowledged with 200), by parse failure code.',
      labelNames: ['code'],
      registers,
    });
    this.routedTotal = new Counter({
      name: 'portflow_webhook_routed_total',
      help: 'Events signalled to the workflow that owns their port-in request, by event name.',
      labelNames: ['event'],
      registers,
    });
    this.heldTotal = new Counter({
      name: 'portflow_webhook_held_total',
      help:
        "Verified events no running order could take, held durably in their request's inbox workflow " +
        '(forwarded when an order claims it, else recorded as orphans), by reason.',
      labelNames: ['reason'],
      registers,
    });
    this.duplicateTotal = new Counter({
      name: 'portflow_webhook_duplicate_total',
      help: 'Deliveries skipped because the same event was already signalled, by the key that matched.',
      labelNames: ['key'],
      registers,
    });
    this.temporalErrorsTotal = new Counter({
      name: 'portflow_webhook_temporal_errors_total',
      help: 'Temporal calls that failed (answered 503 so Twilio retries), by operation.',
      labelNames: ['operation'],
      registers,
    });
    this.lookupsTotal = new Counter({
      name: 'portflow_webhook_lookups_total',
      help:
        'Owner lookups of a KW sid: answered from the cache, by a visibility query already in flight for the sid ' +
        '(shared), found by a visibility query, or not found.',
      labelNames: ['result'],
      registers,
    });
    this.signalLatency = new Histogram({
      name: 'portflow_webhook_signal_latency_seconds',
      help: 'Time from the webhook POST arriving to Temporal accepting the signal to its owner.',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'portflow_webhooks_' });
  }

  received(): void {
    this.counts.received++;
    this.receivedTotal.inc();
  }

  rejected(reason: RejectionReason): void {
    this.counts.rejected[reason] = (this.counts.rejected[reason] ?? 0) + 1;
    this.rejectedTotal.inc({ reason });
  }

  /** @param tokenIndex - 0 for the primary token, N for the Nth additional one. */
  verified(tokenIndex: number): void {
    const token = tokenIndex === 0 ? 'primary' : `additional-${tokenIndex}`;
    this.counts.verified[token] = (this.counts.verified[token] ?? 0) + 1;
    // A child per token, as for routed(): no label hashing on the hot path.
    (this.verifiedByToken[tokenIndex] ??= this.verifiedTotal.labels({ token })).inc();
  }

  unparseable(code: string): void {
    this.counts.unparseable[code] = (this.counts.unparseable[code] ?? 0) + 1;
    this.unparseableTotal.inc({ code });
  }

  routed(event: string, latencySeconds: number): void {
    this.counts.routed++;
    // A child per event name: the hot path skips hashing the label set on every event.
    let child = this.routedByEvent.get(event);
    if (!child) {
      child = this.routedTotal.labels({ event });
      this.routedByEvent.set(event, child);
    }
    child.inc();
    this.signalLatency.observe(latencySeconds);
  }

  held(reason: UnroutedReason): void {
    this.counts.held[reason] = (this.counts.held[reason] ?? 0) + 1;
    this.heldTotal.inc({ reason });
  }

  duplicate(key: DuplicateKey): void {
    this.counts.duplicate++;
    this.duplicateTotal.inc({ key });
  }

  temporalError(operation: TemporalOperation): void {
    this.counts.temporalErrors++;
    this.temporalErrorsTotal.inc({ operation });
  }

  lookup(result: 'cache' | 'shared' | 'visibility' | 'not-found'): void {
    this.lookupsTotal.inc({ result });
  }

  /** A copy of the counts. */
  stats(): WebhookStats {
    return structuredClone(this.counts);
  }

  /** The Prometheus text exposition. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
