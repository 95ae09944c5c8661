/**
 * The one place the client speaks HTTP: authentication, the shared concurrency limit, deadlines,
 * retries of idempotent calls, error mapping, response validation and the redacted logging hooks.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import {
  TwilioApiError,
  TwilioClientError,
  TwilioConnectionError,
  type TwilioErrorInit,
  TwilioNotFoundError,
  TwilioRateLimitError,
  TwilioResponseValidationError,
  TwilioServerError,
} from './errors';
import { ConcurrencyLimiter } from './limiter';
import { redact, redactHeaders } from './redact';
import { type BackoffPolicy, backoffDelay, parseRetryAfter, sleep } from './retry';
import { parseErrorBody } from './schemas/error-body';

/** What the `onRequest` hook sees: never credentials, PINs or account numbers. */
export interface RequestLogEvent {
  /** The client method, e.g. `createPortIn`. */
  operation: string;
  method: HttpMethod;
  url: string;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  /** Request headers with `Authorization` redacted. */
  headers: Record<string, string>;
  /** The body with secrets redacted (for uploads, a summary instead of the bytes). */
  body?: unknown;
}

/** What the `onResponse` hook sees after each attempt: a response or the failure. */
export interface ResponseLogEvent {
  operation: string;
  method: HttpMethod;
  url: string;
  attempt: number;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  durationMs: number;
  /** The parsed body with secrets redacted. */
  body?: unknown;
  /** The error this attempt ended in, if any (name and message only). */
  error?: { name: string; message: string };
  /** When the client will retry this call, in how many milliseconds. */
  retryInMs?: number;
}

export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** Settings of the transport, resolved from `PortingClientOptions`. */
export interface TransportOptions {
  username: string;
  password: string;
  timeoutMs: number;
  keepAlive: boolean;
  maxConcurrency: number;
  maxRetries: number;
  backoff: BackoffPolicy;
  userAgent: string;
  onRequest?: (event: RequestLogEvent) => void;
  onResponse?: (event: ResponseLogEvent) => void;
  /** Random source of the backoff jitter (tests pin it). */
  random?: () => number;
}

/** A multipart upload: text fields plus one file. */
export interface MultipartBody {
  fields: Record<string, string>;
  file: { field: string; filename: string; mimeType: string; bytes: Uint8Array };
}

/** One call, described declaratively. */
export interface HttpCall<T> {
  operation: string;
  method: HttpMethod;
  baseUrl: string;
  /** Already encoded path, starting with `/`. */
  path: string;
  query?: Record<string, string | undefined>;
  json?: unknown;
  /** A form-encoded body (`application/x-www-form-urlencoded`), as the REST API 2010-04-01 and Messaging take. */
  form?: Record<string, string>;
  multipart?: MultipartBody;
  /** Parses a 2xx body; absent for calls answered with 204 and no body. */
  schema?: z.ZodType<T>;
  /** Whether the call is idempotent and may be retried (GET, DELETE). */
  retry: boolean;
  /** Turns a non-2xx response into an answer instead of an error, when it is one (else undefined). */
  acceptError?: (status: number, body: unknown) => T | undefined;
}

/** Sends {@link HttpCall}s. One per client: its agents and limiter are shared by every call. */
export class HttpTransport {
  private readonly axios: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly authorization: string;
  readonly limiter: ConcurrencyLimiter;
  // The delay decided (and logged) when an attempt failed, so the wait matches what the hook was told.
  private readonly plannedDelay = new WeakMap<object, number>();

  constructor(private readonly options: TransportOptions) {
    this.limiter = new ConcurrencyLimiter(options.maxConcurrency);
    // One socket per concurrent call is enough: the limiter never lets more run.
    const agentOptions = { keepAlive: options.keepAlive, maxSockets: options.maxConcurrency };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.authorization = 'Basic ' + Buffer.from(`${options.username}:${options.password}`).toString('base64');
    this.axios = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // Status handling, JSON parsing and redirects are ours: every response is interpreted below.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
      proxy: false,
    });
  }

  /** Runs a call: retries it if idempotent and the failure is retryable, then returns or throws. */
  async send<T>(call: HttpCall<T>): Promise<T> {
    const maxAttempts = call.retry ? this.options.maxRetries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.limiter.run(() => this.attempt(call, attempt, maxAttempts));
      } catch (err) {
        const delay = typeof err === 'object' && err !== null ? this.plannedDelay.get(err) : undefined;
        if (delay === undefined) throw err;
        // The slot is released during the wait so other calls are not held up by our backoff.
        await sleep(delay);
      }
    }
  }

  /**
   * The same transport (connections, limiter, hooks) with another retry count: a view, not a copy,
   * so closing either closes both.
   */
  withMaxRetries(maxRetries: number): HttpTransport {
    const view = Object.create(this) as HttpTransport;
    Object.defineProperty(view, 'options', { value: { ...this.options, maxRetries } });
    return view;
  }

  /** Destroys the keep-alive sockets (calls still in flight fail); for shutdown, once calls have settled. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private retryDelay(err: unknown, attempt: number, maxAttempts: number): number | null {
    if (attempt >= maxAttempts || !(err instanceof TwilioApiError) || !err.retryable) return null;
    // A schema mismatch will not fix itself between two tries; it needs a redeploy.
    if (err instanceof TwilioResponseValidationError) return null;
    return backoffDelay(attempt, this.options.backoff, err.retryAfterMs, this.options.random);
  }

  private async attempt<T>(call: HttpCall<T>, attempt: number, maxAttempts: number): Promise<T> {
    const url = buildUrl(call.baseUrl, call.path, call.query);
    const headers: Record<string, string> = {
      Authorization: this.authorization,
      Accept: 'application/json',
      'User-Agent': this.options.userAgent,
    };
    let data: unknown;
    let logBody: unknown;
    if (call.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      data = JSON.stringify(call.json);
      logBody = redact(call.json);
    } else if (call.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      data = new URLSearchParams(call.form).toString();
      logBody = redact(call.form);
    } else if (call.multipart) {
      data = toFormData(call.multipart);
      const f = call.multipart.file;
      logBody = {
        ...call.multipart.fields,
        [f.field]: { filename: f.filename, mimeType: f.mimeType, bytes: f.bytes.byteLength },
      };
    }
    this.hook('onRequest', {
      operation: call.operation,
      method: call.method,
      url,
      attempt,
      headers: redactHeaders(headers),
      ...(logBody !== undefined ? { body: logBody } : {}),
    });

    const started = Date.now();
    const log = (status: number | null, body: unknown, error?: unknown) => {
      const retryInMs = error ? (this.retryDelay(error, attempt, maxAttempts) ?? undefined) : undefined;
      if (retryInMs !== undefined) this.plannedDelay.set(error as object, retryInMs);
      this.hook('onResponse', {
        operation: call.operation,
        method: call.method,
        url,
        attempt,
        status,
        durationMs: Date.now() - started,
        ...(body !== undefined ? { body: redact(body) } : {}),
        ...(error instanceof Error ? { error: { name: error.name, message: error.message } } : {}),
        ...(retryInMs !== undefined ? { retryInMs } : {}),
      });
    };

    let response: AxiosResponse<unknown>;
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    try {
      response = await this.axios.request({ method: call.method, url, headers, data, signal: controller.signal });
    } catch (cause) {
      const error = connectionError(cause, timedOut, this.options.timeoutMs, call);
      log(null, undefined, error);
      throw error;
    } finally {
      clearTimeout(timer);
    }

    const body = parseBody(response.data);
    try {
      const result = this.interpret(call, response, body);
      log(response.status, body);
      return result;
    } catch (error) {
      log(response.status, body, error);
      throw error;
    }
  }

  private interpret<T>(call: HttpCall<T>, response: AxiosResponse<unknown>, body: unknown): T {
    const { status } = response;
    if (status >= 200 && status < 300) {
      if (!call.schema) return undefined as T;
      const parsed = call.schema.safeParse(body);
      if (parsed.success) return parsed.data;
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      throw new TwilioResponseValidationError({
        status,
        message: `unexpected response body from ${call.operation}: ${issues.slice(0, 5).join('; ')}`,
        method: call.method,
        path: call.path,
        rawValue: redact(body),
        issues,
      });
    }
    const accepted = call.acceptError?.(status, body);
    if (accepted !== undefined) return accepted;
    throw errorFromResponse(status, response.headers as Record<string, unknown>, body, call);
  }

  private hook<K extends 'onRequest' | 'onResponse'>(
    name: K,
    event: K extends 'onRequest' ? RequestLogEvent : ResponseLogEvent
  ): void {
    const fn = this.options[name] as ((e: typeof event) => void) | undefined;
    if (!fn) return;
    try {
      fn(event);
    } catch {
      // A broken logger must not break a port.
    }
  }
}

function buildUrl(baseUrl: string, path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) params.append(k, v);
  const qs = params.toString();
  return `${baseUrl.replace(/\/+$/, '')}${path}${qs ? `?${qs}` : ''}`;
}

function toFormData(body: MultipartBody): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(body.fields)) form.append(k, v);
  const { field, filename, mimeType, bytes } = body.file;
  // A Blob part must be backed by an ArrayBuffer (the DOM lib's type says so too); a file read from
  // disk is, a caller's view of a SharedArrayBuffer is copied.
  const part = bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : new Uint8Array(bytes);
  form.append(field, new Blob([part], { type: mimeType }), filename);
  return form;
}

function parseBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  if (data.trim() === '') return undefined;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Maps a non-2xx response to the error class its status (or Twilio code) calls for. */
export function errorFromResponse(
  status: number,
  headers: Record<string, unknown>,
  body: unknown,
  call: Pick<HttpCall<unknown>, 'method' | 'path'>
): TwilioApiError {
  const parsed = parseErrorBody(body);
  const init: TwilioErrorInit = {
    status,
    code: parsed.code,
    message: parsed.message ?? `HTTP ${status}`,
    moreInfo: parsed.moreInfo,
    details: parsed.details === undefined ? undefined : redact(parsed.details),
    retryAfterMs: parseRetryAfter(headers['retry-after']),
    method: call.method,
    path: call.path,
  };
  if (status === 429 || parsed.code === 20429) return new TwilioRateLimitError(init);
  if (status === 404) return new TwilioNotFoundError(init);
  if (status >= 500) return new TwilioServerError(init);
  return new TwilioClientError(init);
}

function connectionError(
  cause: unknown,
  timedOut: boolean,
  timeoutMs: number,
  call: Pick<HttpCall<unknown>, 'method' | 'path'>
): TwilioConnectionError {
  const code = (cause as { code?: string } | null)?.code;
  const isTimeout = timedOut || code === 'ETIMEDOUT' || code === 'ECONNABORTED';
  const reason = timedOut
    ? `no response within ${timeoutMs} ms`
    : `${code ?? 'connection failed'}: ${(cause as Error | null)?.message ?? String(cause)}`;
  return new TwilioConnectionError({
    message: reason,
    method: call.method,
    path: call.path,
    timedOut: isTimeout,
    cause,
  });
}
