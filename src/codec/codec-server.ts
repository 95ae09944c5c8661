import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fastify from 'fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { closeGracefully } from '../close-gracefully';
import { PayloadDecryptionError } from './encryption-codec';

/** Options of {@link startCodecServer}. */
export interface CodecServerOptions {
  /** @default 0 (an ephemeral port; read the actual one from `url`) */
  port?: number;
  /** @default '127.0.0.1' — the codec server decrypts PII, so it is not reachable from elsewhere unless asked */
  host?: string;
  /** The codec the worker uses, normally an `EncryptionCodec`. */
  codec: PayloadCodec;
  /** Browser origins (the Temporal UI) allowed to call the server; `*` allows any. */
  corsOrigins: readonly string[];
  /** When set, `/encode` and `/decode` need `Authorization: Bearer <token>`. */
  token?: string;
  /** @default 16 MiB — a UI page decodes many payloads of up to 2 MB each in one request */
  bodyLimitBytes?: number;
  /** Receives one line per request: method, path, status, payload count, duration. Never payload contents. */
  log?: (line: string) => void;
}

/** A running codec server. */
export interface RunningCodecServer {
  /** Base URL, e.g. `http://127.0.0.1:8888`; the UI's codec endpoint. */
  url: string;
  stop(): Promise<void>;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const base64 = z.string().regex(BASE64, { message: 'must be standard base64 (A–Z, a–z, 0–9, +, /, = padding)' });

/** The body of `/encode` and `/decode` and of their answers: Temporal's JSON form of a list of payloads. */
export const payloadsBodySchema = z.object(
  {
    payloads: z.array(
      z.object(
        {
          metadata: z.record(z.string(), base64, { message: 'must be an object of base64 strings' }).nullish(),
          data: base64.nullish(),
        },
        { message: 'must be an object {metadata, data}' }
      ),
      { message: 'must be an array of payloads' }
    ),
  },
  { message: 'must be a JSON object {"payloads": [...]}' }
);

/** The JSON wire form of one payload. */
export type JsonPayload = z.infer<typeof payloadsBodySchema>['payloads'][number];

const ALLOWED_METHODS = 'POST, GET, OPTIONS';
const ALLOWED_HEADERS = 'X-Namespace, Content-Type, Authorization';

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(p.metadata ?? {})) metadata[key] = Buffer.from(value).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array(0)).toString('base64') };
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .slice(0, 10)
    .join('; ');
}

/**
 * Builds (without starting) the codec server the Temporal UI and CLI call to show encrypted
 * payloads: `POST /encode`, `POST /decode`, `GET /healthz`, CORS for the UI's origins and an
 * optional bearer token.
 */
export function buildCodecServer(options: CodecServerOptions): FastifyInstance {
  const { codec, token, log } = options;
  const origins = new Set(options.corsOrigins.map((o) => o.replace(/\/+$/, '')));
  const expectedToken = token ? sha256(`Bearer ${token}`) : undefined;
  const app = fastify({ logger: false, bodyLimit: options.bodyLimitBytes ?? 16 * 1024 * 1024 });
  // JSON only: a text/plain POST is a CORS "simple request" that skips the preflight.
  app.removeContentTypeParser('text/plain');
  const payloadCounts = new WeakMap<FastifyRequest, number>();

  const isAllowedOrigin = (origin: string) => origins.has('*') || origins.has(origin.replace(/\/+$/, ''));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (!isAllowedOrigin(origin)) {
      return reply.code(403).send({
        error: 'Forbidden',
        message: `Origin ${origin} may not call this codec server; allowed origins (CODEC_CORS_ORIGINS): ${[...origins].join(', ') || 'none'}.`,
      });
    }
    // Credentials are allowed, so the origin is echoed back: a wildcard is not valid with credentials.
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Access-Control-Allow-Credentials', 'true');
  });

  if (log) {
    app.addHook('onResponse', async (request, reply) => {
      const count = payloadCounts.get(request);
      const path = request.url.split('?')[0];
      log(
        `${request.method} ${path} ${reply.statusCode}${count === undefined ? '' : ` payloads=${count}`} ${reply.elapsedTime.toFixed(1)}ms`
      );
    });
  }

  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof PayloadDecryptionError) {
      return reply.code(422).send({ error: 'Unprocessable Entity', message: error.message });
    }
    const status = error.statusCode ?? 500;
    if (status === 415) {
      return reply
        .code(415)
        .send({ error: 'Unsupported Media Type', message: 'Content-Type must be application/json.' });
    }
    if (status >= 400 && status < 500) {
      // Fastify's own 4xx messages (bad JSON, body too large) never quote the body.
      return reply.code(status).send({ error: 'Bad Request', message: error.message });
    }
    // Anything else may carry decoded data in its message: log and answer only the error's kind.
    log?.(
      `${request.method} ${request.url.split('?')[0]} failed: ${error.name}${error.code ? ` (${error.code})` : ''}`
    );
    return reply.code(500).send({ error: 'Internal Server Error', message: `The codec failed (${error.name}).` });
  });

  app.options('*', async (request, reply) => {
    reply.header('Access-Control-Allow-Methods', ALLOWED_METHODS);
    reply.header('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    reply.header('Access-Control-Max-Age', '600');
    reply.header('Allow', ALLOWED_METHODS);
    return reply.code(204).send();
  });

  const requireToken = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!expectedToken) return;
    const given = request.headers.authorization;
    if (given === undefined || !timingSafeEqual(sha256(given.replace(/^bearer /i, 'Bearer ')), expectedToken)) {
      reply.header('WWW-Authenticate', 'Bearer realm="portflow-codec"');
      return reply.code(401).send({
        error: 'Unauthorized',
        message:
          given === undefined
            ? 'Missing Authorization header: this codec server needs "Authorization: Bearer <CODEC_SERVER_TOKEN>".'
            : 'Invalid bearer token in the Authorization header.',
      });
    }
  };

  const codecRoute = (path: '/encode' | '/decode', run: (payloads: Payload[]) => Promise<Payload[]>) => {
    app.post(path, { onRequest: requireToken }, async (request, reply) => {
      const parsed = payloadsBodySchema.safeParse(request.body);
      if (!parsed.success) {
        return reply.code(400).send({
          error: 'Bad Request',
          message: `Invalid ${path} request body: ${describeIssues(parsed.error)}. Expected {"payloads": [{"metadata": {"<key>": "<base64>"}, "data": "<base64>"}]}.`,
        });
      }
      payloadCounts.set(request, parsed.data.payloads.length);
      const result = await run(parsed.data.payloads.map(fromJson));
      return { payloads: result.map(toJson) };
    });
  };
  codecRoute('/encode', (payloads) => codec.encode(payloads));
  codecRoute('/decode', (payloads) => codec.decode(payloads));

  app.get('/healthz', async () => ({ status: 'ok' }));

  return app;
}

/** Starts {@link buildCodecServer} and resolves once it listens. */
export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const host = options.host ?? '127.0.0.1';
  const app = buildCodecServer(options);
  await app.listen({ port: options.port ?? 0, host });
  const { port } = app.server.address() as AddressInfo;
  // 0.0.0.0 / :: are where it listens, not where to reach it.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const url = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  // A browser showing the UI keeps connections open; they must not hold the stop up.
  return { url, stop: () => closeGracefully(app) };
}
