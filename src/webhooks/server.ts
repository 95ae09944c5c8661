/**
 * The webhook receiver: Twilio POSTs porting events here; each verified event is signalled to the
 * workflow that owns its port-in request. Order of work on a POST, and why:
 * 1. body size (413) and content type (415) while reading: nothing is parsed;
 * 2. signature on the raw bytes (403, no detail): a forged body is never parsed;
 * 3. already signalled? (idempotency token, hash of the raw body, or signature) → 200 `duplicate`;
 * 4. JSON (400 when a *signed* body is not JSON), then the porting event parser: an event we cannot
 *    use is acknowledged (200 `ignored`) and logged by shape, so Twilio does not retry it forever;
 * 5. find the owner and signal it → 200 `routed`; no running owner → signal-with-start of the
 *    request's inbox workflow, which holds the event durably until an order claims it or records
 *    it as an orphan → 200 `held`; Temporal unreachable → 503 so Twilio retries.
 */
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { closeGracefully } from '../close-gracefully';
import { isParseFailure, parsePortingWebhook } from '../twilio/events';
import { DeliveryDeduper } from './dedupe';
import { jsonLineLogger } from './logger';
import type { WebhookLogger } from './logger';
import { WebhookMetrics } from './metrics';
import type { WebhookStats } from './metrics';
import { DEFAULT_LOOKUP_RETRY, TemporalUnavailableError, WorkflowRouter } from './route';
import type { DeliveryOutcome, InboxSettings, LookupRetry } from './route';
import { describeShape } from './shape';
import { listenBaseUrl, publicRequestUrl, verifyTwilioSignature } from './verify';

/** Where Twilio POSTs porting events; configure `<public base URL>` + this path as `port_in_target_url`. */
export const WEBHOOK_PATH = '/webhooks/twilio/porting';

/** A porting webhook is well under 2 KB; 64 KiB leaves room for fields Twilio may add. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;

// The hot paths' answers, serialized once.
const JSON_TYPE = 'application/json; charset=utf-8';
const ROUTED = JSON.stringify({ status: 'routed' });
const DUPLICATE = JSON.stringify({ status: 'duplicate' });

/** Options of {@link createWebhookReceiver}. */
export interface WebhookReceiverOptions {
  /** Signals go through it: give it the same data converter as the worker (payload encryption). */
  temporalClient: Client;
  /** The auth token Twilio signs webhooks with (the parent account's, for subaccount port-ins). */
  authToken: string;
  /**
   * Other tokens whose signatures are accepted too: the secondary token while one is being
   * promoted, or a subaccount's own token. `portflow_webhook_verified_total{token}` shows which
   * token signs what. @default none
   */
  additionalAuthTokens?: readonly string[];
  /**
   * The base URL Twilio calls, e.g. `https://hooks.example.com` or `https://example.com/portflow`
   * (a prefix the proxy strips). Signatures are checked against this base + the request's path and
   * query, and against nothing else. Required unless `sandbox` is true.
   */
  publicBaseUrl?: string;
  /**
   * Twilio is the local sandbox: without `publicBaseUrl`, signatures are checked against the
   * address the request was accepted on (`http://127.0.0.1:<port>`), never the Host header.
   * @default false
   */
  sandbox?: boolean;
  /** Where inboxes of events no running order owns yet are started (see docs/webhooks.md). */
  inbox: InboxSettings;
  /** The workflow type that owns port-in requests (tests use their own). @default portInWorkflow */
  ownerWorkflowType?: string;
  /** Larger bodies get 413 before anything reads them. @default 65536 */
  bodyLimitBytes?: number;
  /** Retry of an owner lookup that found nothing (visibility lag). @default 6 attempts, 250 ms apart */
  lookupRetry?: LookupRetry;
  /** Deadline of one Temporal call. @default 5000 */
  rpcTimeoutMs?: number;
  /** Delivery keys remembered for de-duplication. @default 100000 */
  dedupeCapacity?: number;
  /** sid → workflow id entries cached. @default 10000 */
  ownerCacheSize?: number;
  /** A sid found to be nobody's is looked up once, without the retry window, for this long. @default 30000 */
  unknownSidTtlMs?: number;
  /** Also export Node's process metrics on /metrics. @default false */
  processMetrics?: boolean;
  /** @default JSON lines on stdout/stderr */
  logger?: WebhookLogger;
}

/** What {@link createWebhookReceiver} returns: the Fastify app (not listening) and its counters. */
export interface WebhookReceiver {
  app: FastifyInstance;
  metrics: WebhookMetrics;
  /** Plain counts: received, rejected by reason, routed, held, duplicate, … */
  stats(): WebhookStats;
}

/** Options that are wrong in a way the caller must fix; lists every problem by option name. */
export class WebhookReceiverConfigError extends Error {
  override readonly name = 'WebhookReceiverConfigError';
}

const httpUrl = z.string().refine((s) => /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/.test(s) && URL.canParse(s), {
  message: 'expected an http(s) URL without query or fragment, e.g. https://hooks.example.com',
});
const optionsSchema = z.object({
  authToken: z.string().min(1, { message: 'required: the auth token Twilio signs webhooks with' }),
  additionalAuthTokens: z
    .array(z.string().min(1, { message: 'an empty token would accept nothing; leave it out' }))
    .max(10, { message: 'expected at most 10 additional tokens' }),
  publicBaseUrl: httpUrl.optional(),
  inbox: z.object({
    taskQueue: z.string().min(1, { message: 'required: the task queue portflow workers poll (inboxes run there)' }),
    orphanAfterMs: z
      .number()
      .int()
      .min(1000)
      .max(365 * 86_400_000, { message: 'expected 1 s to 365 days' })
      .optional(),
    closedOwnerGraceMs: z.number().int().min(0).max(86_400_000, { message: 'expected 0 to 24 hours' }).optional(),
  }),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024, { message: 'expected 1 KiB to 10 MiB' }),
  lookupRetry: z.object({
    attempts: z.number().int().min(1).max(50, { message: 'expected 1 to 50 attempts' }),
    delayMs: z.number().int().min(0).max(10_000, { message: 'expected 0 to 10000 ms' }),
  }),
  rpcTimeoutMs: z.number().int().min(100).max(14_000, { message: 'expected 100 to 14000 ms (Twilio waits 15 s)' }),
  dedupeCapacity: z.number().int().min(1).max(10_000_000),
  ownerCacheSize: z.number().int().min(1).max(10_000_000),
  unknownSidTtlMs: z.number().int().min(1),
});

type ResolvedOptions = z.infer<typeof optionsSchema>;

function resolveOptions(options: WebhookReceiverOptions): ResolvedOptions {
  if (!options || typeof options.temporalClient?.workflow?.getHandle !== 'function') {
    throw new WebhookReceiverConfigError(
      'Invalid webhook receiver options:\n  temporalClient: required (a Temporal Client)'
    );
  }
  if (!options.publicBaseUrl && options.sandbox !== true) {
    throw new WebhookReceiverConfigError(
      'Invalid webhook receiver options:\n  publicBaseUrl: required outside the sandbox (WEBHOOK_PUBLIC_BASE_URL): ' +
        'the URL Twilio calls, e.g. https://hooks.example.com; signatures are checked against it, never the Host header'
    );
  }
  const parsed = optionsSchema.safeParse({
    authToken: options.authToken,
    additionalAuthTokens: options.additionalAuthTokens ?? [],
    publicBaseUrl: options.publicBaseUrl,
    inbox: options.inbox ?? {},
    bodyLimitBytes: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    lookupRetry: options.lookupRetry ?? DEFAULT_LOOKUP_RETRY,
    rpcTimeoutMs: options.rpcTimeoutMs ?? 5000,
    dedupeCapacity: options.dedupeCapacity ?? 100_000,
    ownerCacheSize: options.ownerCacheSize ?? 10_000,
    unknownSidTtlMs: options.unknownSidTtlMs ?? 30_000,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new WebhookReceiverConfigError(`Invalid webhook receiver options:\n${problems}`);
  }
  return parsed.data;
}

/** The idempotency token if it looks like one (printable, bounded); anything else is ignored. */
function idempotencyTokenOf(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return null;
  const token = value.trim();
  return token.length > 0 && token.length <= 256 && /^[\x21-\x7e]+$/.test(token) ? token : null;
}

function headerValue(header: string | string[] | undefined): string | undefined {
  return Array.isArray(header) ? header[0] : header;
}

/**
 * Builds the receiver: `POST /webhooks/twilio/porting`, `GET /healthz`, `GET /readyz` (Temporal
 * reachable), `GET /metrics` (Prometheus). Not listening: use {@link startWebhookReceiver}, or
 * `app.listen()` / `app.inject()` yourself.
 */
export function createWebhookReceiver(options: WebhookReceiverOptions): WebhookReceiver {
  const settings = resolveOptions(options);
  const authTokens = [settings.authToken, ...settings.additionalAuthTokens];
  const client = options.temporalClient;
  const logger = options.logger ?? jsonLineLogger();
  const metrics = new WebhookMetrics(options.processMetrics ?? false);
  const deduper = new DeliveryDeduper(settings.dedupeCapacity);
  const router = new WorkflowRouter({
    client,
    metrics,
    inbox: settings.inbox,
    ...(options.ownerWorkflowType ? { ownerWorkflowType: options.ownerWorkflowType } : {}),
    lookupRetry: settings.lookupRetry,
    rpcTimeoutMs: settings.rpcTimeoutMs,
    ownerCacheSize: settings.ownerCacheSize,
    unknownTtlMs: settings.unknownSidTtlMs,
  });

  const app = Fastify({ logger: false, bodyLimit: settings.bodyLimitBytes, return503OnClosing: true });

  // Only JSON is accepted, and only as raw bytes: the signature covers the bytes, and nothing may
  // parse a body before its signature is checked.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const isWebhook = (req: FastifyRequest) => req.routeOptions.url === WEBHOOK_PATH;
  const reject = (req: FastifyRequest, reply: FastifyReply, status: number, reason: string, message: string) => {
    logger.warn('webhook rejected', { reason, status, remoteAddress: req.ip, userAgent: req.headers['user-agent'] });
    return reply.code(status).send({ status, message });
  };

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const webhook = isWebhook(req);
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        if (webhook) metrics.rejected('body-too-large');
        return reject(
          req,
          reply,
          413,
          'body-too-large',
          `The body is larger than this receiver's limit of ${settings.bodyLimitBytes} bytes; porting webhooks are under 2 KB.`
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        if (webhook) metrics.rejected('unsupported-media-type');
        return reject(
          req,
          reply,
          415,
          'unsupported-media-type',
          `Content-Type '${req.headers['content-type'] ?? '(none)'}' is not accepted: porting webhooks are application/json.`
        );
      default:
        break;
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) return reply.code(status).send({ status, message: err.message });
    logger.error('webhook receiver error', { error: err.message, path: req.routeOptions.url ?? null });
    return reply.code(500).send({ status: 500, message: 'Internal error' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    try {
      await client.withDeadline(Date.now() + Math.min(settings.rpcTimeoutMs, 2000), () =>
        client.connection.workflowService.getSystemInfo({})
      );
      return { status: 'ready' };
    } catch (err) {
      return reply.code(503).send({
        status: 'not-ready',
        message: `Temporal is not reachable: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  });

  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()));

  // Fastify's reply.elapsedTime is not tracked with these options: the arrival time is kept here.
  const arrivedAt = new WeakMap<FastifyRequest, number>();
  const countReceived = (req: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    arrivedAt.set(req, performance.now());
    metrics.received();
    done();
  };

  app.post(WEBHOOK_PATH, { onRequest: countReceived }, async (req, reply) => {
    if (!Buffer.isBuffer(req.body)) {
      // No Content-Type and no body: nothing we could verify.
      metrics.rejected('unsupported-media-type');
      return reject(req, reply, 415, 'unsupported-media-type', 'Porting webhooks are application/json; none was sent.');
    }
    const rawBody = req.body;

    const check = verifyTwilioSignature({
      authTokens,
      signature: headerValue(req.headers['x-twilio-signature']),
      url: publicRequestUrl(req, settings.publicBaseUrl ?? listenBaseUrl(req.socket)),
      rawBody,
    });
    if (!check.ok) {
      metrics.rejected(check.reason);
      // The caller learns nothing about why: the reason is for our log and metrics only.
      logger.warn('webhook rejected', {
        reason: check.reason,
        status: 403,
        remoteAddress: req.ip,
        userAgent: req.headers['user-agent'],
        host: req.headers.host,
      });
      return reply.code(403).send({ status: 403, message: 'Forbidden' });
    }
    metrics.verified(check.tokenIndex);

    const idempotencyToken = idempotencyTokenOf(req.headers['i-twilio-idempotency-token']);
    const keys = { bodySha256: check.bodySha256, signature: check.signature, idempotencyToken };
    const seenBy = deduper.check(keys);
    if (seenBy) {
      metrics.duplicate(seenBy);
      return reply.type(JSON_TYPE).send(DUPLICATE);
    }

    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      metrics.rejected('invalid-json');
      return reject(
        req,
        reply,
        400,
        'invalid-json',
        `The body (${rawBody.length} bytes) is not valid JSON; porting webhooks are JSON objects.`
      );
    }

    const event = parsePortingWebhook(body, { idempotencyToken });
    if (isParseFailure(event)) {
      metrics.unparseable(event.code);
      logger.warn('webhook ignored: not a usable porting event', {
        code: event.code,
        reason: event.reason,
        eventName: event.eventName,
        portInRequestSid: event.portInRequestSid,
        shape: describeShape(body),
      });
      return { status: 'ignored', reason: event.code };
    }

    let delivery: { duplicate: true } | { duplicate: false; result: DeliveryOutcome };
    try {
      delivery = await deduper.once(keys, async () => {
        const outcome = await router.deliver(event);
        // Held in an inbox is as durable as signalled: a copy of it needs no second delivery.
        return { result: outcome, signalled: true };
      });
    } catch (err) {
      if (!(err instanceof TemporalUnavailableError)) throw err;
      metrics.temporalError(err.operation);
      logger.error('webhook not delivered: Temporal unavailable', {
        operation: err.operation,
        error: err.message,
        eventName: event.eventName,
        portInRequestSid: event.portInRequestSid,
      });
      return reply
        .code(503)
        .header('Retry-After', '5')
        .send({ status: 503, message: 'Temporal is unavailable; retry later.' });
    }
    if (delivery.duplicate) {
      metrics.duplicate('body-sha256');
      return reply.type(JSON_TYPE).send(DUPLICATE);
    }
    const outcome = delivery.result;
    if (outcome.kind === 'routed') {
      metrics.routed(event.eventName ?? 'unknown', (performance.now() - (arrivedAt.get(req) ?? 0)) / 1000);
      logger.debug?.('webhook routed', {
        eventName: event.eventName,
        portInRequestSid: event.portInRequestSid,
        workflowId: outcome.workflowId,
      });
      return reply.type(JSON_TYPE).send(ROUTED);
    }
    metrics.held(outcome.reason);
    logger.info('webhook held in the request inbox', {
      reason: outcome.reason,
      eventName: event.eventName,
      portInRequestSid: event.portInRequestSid,
      workflowId: outcome.workflowId,
      inboxWorkflowId: outcome.inboxWorkflowId,
    });
    return { status: 'held', reason: outcome.reason };
  });

  return { app, metrics, stats: () => metrics.stats() };
}

/** What {@link startWebhookReceiver} resolves to. */
export interface WebhookReceiverHandle {
  /** The listening base URL, e.g. `http://127.0.0.1:3000` (not the public one). */
  url: string;
  port: number;
  /** `url` + {@link WEBHOOK_PATH}: what to configure as the target when Twilio can reach it directly. */
  webhookUrl: string;
  app: FastifyInstance;
  metrics: WebhookMetrics;
  stats(): WebhookStats;
  /**
   * Stops accepting, lets requests in flight finish (for up to Twilio's own 15 s timeout), then
   * closes every connection. The Temporal client stays open (it is yours).
   */
  stop(): Promise<void>;
}

/** Builds the receiver and listens. `port: 0` picks a free port. */
export async function startWebhookReceiver(
  options: WebhookReceiverOptions & { host?: string; port?: number }
): Promise<WebhookReceiverHandle> {
  const receiver = createWebhookReceiver(options);
  const host = options.host ?? '127.0.0.1';
  await receiver.app.listen({ host, port: options.port ?? 0 });
  const address = receiver.app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    webhookUrl: `${url}${WEBHOOK_PATH}`,
    app: receiver.app,
    metrics: receiver.metrics,
    stats: receiver.stats,
    // Twilio gives up on a delivery after 15 s: past that, nobody waits for the answer.
    stop: () => (stopping ??= closeGracefully(receiver.app, 15_000)),
  };
}
