import fastifyMultipart from '@fastify/multipart';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { ApiError, errorBody, notFound } from './api-error';
import { MAX_DOCUMENT_BYTES, registerTwilioApi } from './api-routes';
import { authenticationError, checkBasicAuth } from './auth';
import { registerControlApi } from './control-routes';
import { drainRequest } from './drain';
import { SandboxCore } from './core';
import type { SandboxOptions, SandboxSettings } from './core';
import type { FaultInput } from './faults';
import { parseFaultSpec } from './faults';
import { incomingNumberWire, registerIncomingNumbersApi } from './incoming-numbers';
import type { ConfigurationRefusal } from './incoming-numbers';
import type { Address } from './model';
import type { Delivery } from './notifier';
import type { PortInWire } from './wire';
import { phoneNumberWire, portInWire } from './wire';

/**
 * The sandbox's HTTP server: Twilio's Porting and Documents API on one port, plus `/_sandbox`.
 * Hooks apply, in order: catch-up of due carrier transitions, Basic auth, added latency and
 * HTTP faults (never on `/_sandbox`).
 */

/** Largest JSON body accepted (a 1,000-number request is about 60 KB). */
export const MAX_JSON_BYTES = 1024 * 1024;

/** What {@link startSandbox} resolves to. */
export interface SandboxHandle {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:4010`. */
  url: string;
  port: number;
  /** Closes the server and clears every timer. */
  stop(): Promise<void>;
  clock: {
    now(): Date;
    /** Jumps ahead and runs the transitions that became due; returns how many ran. */
    advance(ms: number): number;
    setScale(scale: number): void;
    /** Back to the wall clock at real speed (see SimulatedClock.resetToWallClock). */
    resetToWallClock(): void;
  };
  /** The account SID and auth token the sandbox accepts and signs webhooks with. */
  accountSid: string;
  authToken: string;
  // Direct equivalents of the control API, for in-process tests.
  reset(): void;
  sign(portInRequestSid: string): PortInWire;
  rejectNumber(portInRequestSid: string, numberRef: string, code?: number): Record<string, unknown>;
  confirmNumber(portInRequestSid: string, numberRef: string, portDate?: Date): Record<string, unknown>;
  completeNumber(portInRequestSid: string, numberRef: string): Record<string, unknown>;
  portIns(): PortInWire[];
  webhooks(filter?: { event?: string; status?: string; portInRequestSid?: string }): Delivery[];
  /** Resolves when no webhook is queued, in flight, retrying, delayed or held. */
  webhooksIdle(): Promise<void>;
  addFault(spec: FaultInput): string;
  /** Registers an Address resource; returns its `AD…` SID for `address_sid` and `AddressSid`. */
  addAddress(address: Omit<Address, 'street_2'> & { street_2?: string | null }): string;
  clearFaults(): void;
  /** Registers a Messaging Service; returns its `MG…` SID (unknown services answer 404 20404). */
  addMessagingService(friendlyName?: string): string;
  /** The account's numbers (REST API 2010-04-01 JSON), listed or not yet. */
  incomingPhoneNumbers(): Array<Record<string, unknown>>;
  /** The `PN…` sids in a Messaging Service. */
  messagingServiceNumbers(serviceSid: string): string[];
  /**
   * From now on, updates of this number's IncomingPhoneNumber and its additions to Messaging
   * Services answer this Twilio error (default 400, code 21402); `null` lifts the refusal.
   */
  refuseConfiguration(phoneNumber: string, refusal?: Partial<ConfigurationRefusal> | null): void;
  settings(
    patch?: Partial<Omit<SandboxSettings, 'timeline' | 'webhookRetry'>> & {
      timeline?: Partial<SandboxSettings['timeline']>;
      webhookRetry?: Partial<SandboxSettings['webhookRetry']>;
    }
  ): SandboxSettings;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by a `lose-response` fault: hold the answer this long, then drop the connection. */
    loseResponseMs?: number;
  }
}

const KNOWN_PATHS: ReadonlyArray<[RegExp, string[]]> = [
  [/^\/v1\/Porting\/Portability\/PhoneNumber\/[^/]+$/, ['GET']],
  [/^\/v1\/Documents$/, ['POST']],
  [/^\/v1\/Documents\/[^/]+$/, ['GET']],
  [/^\/v1\/Porting\/PortIn$/, ['POST']],
  [/^\/v1\/Porting\/PortIn\/PortInRequests$/, ['GET']],
  [/^\/v1\/Porting\/PortIn\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/v1\/Porting\/PortIn\/[^/]+\/PhoneNumber\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/v1\/Porting\/Configuration\/Webhook$/, ['GET', 'POST']],
  [/^\/v1\/Porting\/Configuration\/Webhook\/[^/]+$/, ['DELETE']],
  [/^\/2010-04-01\/Accounts\/[^/]+\/IncomingPhoneNumbers\.json$/, ['GET']],
  [/^\/2010-04-01\/Accounts\/[^/]+\/IncomingPhoneNumbers\/[^/]+$/, ['GET', 'POST']],
  [/^\/v1\/Services\/[^/]+\/PhoneNumbers$/, ['GET', 'POST']],
];

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? req.url;
}

function isControl(req: FastifyRequest): boolean {
  return pathOf(req).startsWith('/_sandbox');
}

/** Builds the Fastify app around a core, without listening. */
export async function buildServer(core: SandboxCore): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_JSON_BYTES,
    forceCloseConnections: true,
    // Errors raised before routing (e.g. a broken %-escape in the URL) still answer in Twilio's shape.
    frameworkErrors: (err, _req, reply) => {
      void (reply as unknown as FastifyReply)
        .status(400)
        .send(errorBody(400, 400, `Malformed request: ${err.message}`));
    },
  });
  const held = new Set<{ timer: NodeJS.Timeout; finish: () => void }>();
  app.addHook('onClose', async () => {
    for (const h of held) {
      clearTimeout(h.timer);
      h.finish();
    }
    held.clear();
  });

  // Our own JSON parser: an empty body is "no body" (control calls like /sign), and a syntax
  // error becomes a 400 that quotes the parser.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: MAX_JSON_BYTES }, (req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 400, `Malformed JSON body: ${(err as Error).message}`), undefined);
    }
  });
  // The REST API 2010-04-01 and Messaging take form-encoded PascalCase parameters; a repeated key keeps its last value.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_JSON_BYTES },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    }
  );
  await app.register(fastifyMultipart, { limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1 } });

  app.addHook('onRequest', async (req) => {
    core.catchUp();
    if (isControl(req)) return;
    checkBasicAuth(req.headers.authorization, core.credentials);
    await core.sleep(core.settings.latencyMs);
    const fault = core.faults.takeHttp(req.method, pathOf(req));
    if (!fault) return;
    switch (fault.fault) {
      case 'rate-limit':
        throw new ApiError(
          429,
          20429,
          'Too Many Requests: the account has too many concurrent requests (fault injected by the sandbox)',
          fault.retryAfterSeconds == null ? {} : { 'Retry-After': String(fault.retryAfterSeconds) }
        );
      case 'server-error':
        throw new ApiError(
          fault.status,
          20500,
          'An internal server error has occurred (fault injected by the sandbox)'
        );
      case 'slow':
        await core.sleep(fault.delayMs);
        return;
      case 'lose-response':
        req.loseResponseMs = fault.delayMs;
        return;
      case 'auth-failure':
        throw authenticationError(
          'Authentication Error - invalid username or password: the credentials are no longer accepted (fault injected by the sandbox)'
        );
      case 'not-found':
        throw notFound(pathOf(req));
    }
  });

  const observe = core.options.onResponse;
  if (observe) {
    app.addHook('onSend', async (req, reply, payload) => {
      if (isControl(req)) return payload;
      const type = reply.getHeader('content-type');
      try {
        observe({
          method: req.method,
          path: pathOf(req),
          status: reply.statusCode,
          contentType: type == null ? undefined : String(type),
          body: typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : '',
          quirks: core.settings.quirks,
        });
      } catch (err) {
        core.logger.error(`onResponse failed: ${(err as Error).message}`);
      }
      return payload;
    });
  }

  // A lost response: the handler has committed its write; hold the socket, then drop it unanswered.
  app.addHook('onSend', async (req, reply, payload) => {
    const ms = req.loseResponseMs;
    if (ms == null) return payload;
    await new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          held.delete(entry);
          entry.finish();
        }, ms),
        finish: () => {
          req.raw.socket?.destroy();
          resolve();
        },
      };
      held.add(entry);
    });
    return payload;
  });

  app.setErrorHandler(async (err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply) => {
    const e = toApiError(err, req, core);
    if (reply.raw.destroyed) return;
    // Fastify closes the connection after a body it gave up on (too large, wrong type): read the
    // rest first, or a client still sending never sees this answer.
    await drainRequest(req.raw);
    if (reply.raw.destroyed) return;
    void reply.status(e.status).headers(e.headers);
    if (isControl(req)) return reply.send({ status: e.status, message: e.message });
    return reply.send(e.toBody());
  });

  app.setNotFoundHandler(async (req, reply) => {
    const path = pathOf(req);
    if (isControl(req)) {
      return reply
        .status(404)
        .send({ status: 404, message: `No control route ${req.method} ${path}; see docs/sandbox.md` });
    }
    const known = KNOWN_PATHS.find(([re]) => re.test(path));
    if (known) {
      return reply
        .status(405)
        .header('Allow', known[1].join(', '))
        .send(errorBody(405, 20004, `Method not allowed: ${req.method} ${path} accepts ${known[1].join(', ')}`));
    }
    return reply.status(404).send(errorBody(404, 20404, `The requested resource ${path} was not found`));
  });

  registerTwilioApi(app, core);
  registerIncomingNumbersApi(app, core);
  registerControlApi(app, core);
  return app;
}

function toApiError(err: FastifyError | ApiError, req: FastifyRequest, core: SandboxCore): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as FastifyError).code;
  const status = (err as FastifyError).statusCode ?? 500;
  const where = `${req.method} ${pathOf(req)}`;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError(
        415,
        415,
        `Content-Type '${req.headers['content-type'] ?? '(none)'}' is not supported on ${where}; send application/json (POST /v1/Documents takes multipart/form-data)`
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 413, `Request body too large on ${where}: the limit is ${MAX_JSON_BYTES} bytes`);
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError(
        413,
        413,
        `File: larger than the ${MAX_DOCUMENT_BYTES / (1024 * 1024)} MB limit of the Documents API`
      );
    case 'FST_FILES_LIMIT_REACHED':
      return new ApiError(400, 400, 'File: upload exactly one file per document');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError(400, 400, `Malformed request body on ${where}: ${err.message}`);
    default:
      break;
  }
  if (status >= 400 && status < 500) return new ApiError(status, status, `${where}: ${err.message}`);
  core.logger.error(`${where} failed: ${err.stack ?? err.message}`);
  return new ApiError(500, 20500, 'An internal server error has occurred');
}

/**
 * Starts the sandbox. `port: 0` (the default) listens on a free port; the handle's `url` says which.
 * @example
 * const sandbox = await startSandbox({ clockScale: 86_400 });
 * // ... point the client at sandbox.url ...
 * await sandbox.stop();
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const core = new SandboxCore(options);
  const app = await buildServer(core);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  core.baseUrl = (options.publicUrl ?? url).replace(/\/+$/, '');
  core.start();
  let stopped: Promise<void> | null = null;

  const findRequest = (sid: string) => {
    core.catchUp();
    return core.request(sid, `/v1/Porting/PortIn/${sid}`);
  };
  const findNumber = (sid: string, ref: string) => {
    const req = findRequest(sid);
    return { req, n: core.number(req, ref, `/v1/Porting/PortIn/${sid}/PhoneNumber/${ref}`) };
  };

  return {
    url,
    port,
    accountSid: core.accountSid,
    authToken: core.authToken,
    stop: () => {
      stopped ??= (async () => {
        core.stop();
        await app.close();
      })();
      return stopped;
    },
    clock: {
      now: () => core.clock.now(),
      advance: (ms) => core.advance(ms),
      setScale: (scale) => core.clock.setScale(scale),
      resetToWallClock: () => core.clock.resetToWallClock(),
    },
    reset: () => core.reset(),
    sign: (sid) => {
      const req = findRequest(sid);
      core.carrier.sign(req);
      return portInWire(req, core.wire);
    },
    rejectNumber: (sid, ref, code) => {
      const { req, n } = findNumber(sid, ref);
      core.carrier.reject(req, n, code ?? n.scenario.rejectionCode ?? 22150);
      return phoneNumberWire(req, n, core.wire);
    },
    confirmNumber: (sid, ref, portDate) => {
      const { req, n } = findNumber(sid, ref);
      const now = core.clock.nowMs();
      core.carrier.confirm(req, n, portDate ? portDate.getTime() : core.carrier.portDateFor(req, now), now);
      core.catchUp();
      return phoneNumberWire(req, n, core.wire);
    },
    completeNumber: (sid, ref) => {
      const { req, n } = findNumber(sid, ref);
      core.carrier.complete(req, n);
      return phoneNumberWire(req, n, core.wire);
    },
    portIns: () => {
      core.catchUp();
      return core.store.requestOrder.map((r) => portInWire(r, core.wire));
    },
    webhooks: (filter) => core.notifier.list(filter),
    webhooksIdle: () => core.notifier.idle(),
    addFault: (spec) => {
      const parsed = parseFaultSpec(spec);
      if (!parsed.ok) throw new Error(`addFault: ${parsed.message}`);
      return core.faults.add(parsed.spec).id;
    },
    clearFaults: () => core.faults.clear(),
    addMessagingService: (friendlyName) => core.addMessagingService(friendlyName),
    incomingPhoneNumbers: () => {
      core.catchUp();
      return [...core.store.incomingNumbers.values()].map(incomingNumberWire);
    },
    messagingServiceNumbers: (serviceSid) => [...(core.store.messagingServices.get(serviceSid)?.numbers.keys() ?? [])],
    refuseConfiguration: (phoneNumber, refusal) => core.refuseConfiguration(phoneNumber, refusal),
    addAddress: (address) => core.addAddress({ ...address, street_2: address.street_2 ?? null }),
    settings: (patch) => {
      if (patch) {
        const s = core.settings;
        core.settings = {
          quirks: patch.quirks ?? s.quirks,
          autoSign: patch.autoSign ?? s.autoSign,
          latencyMs: patch.latencyMs ?? s.latencyMs,
          timeline: { ...s.timeline, ...patch.timeline },
          webhookRetry: { ...s.webhookRetry, ...patch.webhookRetry },
        };
      }
      return core.settings;
    },
  };
}
