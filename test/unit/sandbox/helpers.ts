import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { SANDBOX_ACCOUNT_SID, startSandbox as startBareSandbox } from '../../../src/sandbox';
import type { SandboxHandle, SandboxOptions } from '../../../src/sandbox';
import { ResponseRecorder } from '../../helpers/openapi';

/** Test helpers for the sandbox: an authenticated HTTP caller, fixtures and a webhook receiver. */

/** Every Twilio-API answer of this test file's sandboxes, checked against Twilio's OpenAPI spec. */
export const openapi = new ResponseRecorder();

// A test during which a sandbox answered against the spec fails, naming path, status and error.
if (typeof afterEach === 'function') afterEach(() => openapi.assertNoViolations());
if (typeof afterAll === 'function') afterAll(() => openapi.assertNoViolations());

/** {@link startBareSandbox} with every answer checked by {@link openapi}. */
export function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const own = options.onResponse;
  return startBareSandbox({
    ...options,
    onResponse: (ex) => {
      openapi.observe(ex);
      own?.(ex);
    },
  });
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export type Api = (
  method: string,
  path: string,
  body?: unknown,
  init?: { headers?: Record<string, string>; raw?: string | FormData; auth?: string | null }
) => Promise<ApiResponse>;

/** `fetch` against the sandbox with Basic auth of its account (override or drop with `auth`). */
export function apiFor(sandbox: Pick<SandboxHandle, 'url' | 'accountSid' | 'authToken'>): Api {
  const basic = 'Basic ' + Buffer.from(`${sandbox.accountSid}:${sandbox.authToken}`).toString('base64');
  return async (method, path, body, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    const auth = init.auth === undefined ? basic : init.auth;
    if (auth) headers.authorization = auth;
    let payload: string | FormData | undefined = init.raw;
    if (body !== undefined && payload === undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${sandbox.url}${path}`, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
}

/** Control API call (no auth). */
export async function control(sandbox: Pick<SandboxHandle, 'url'>, method: string, path: string, body?: unknown) {
  const res = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** Uploads a utility bill (or another document type) and returns its RD SID. */
export async function uploadBill(api: Api, documentType = 'utility_bill'): Promise<string> {
  const form = new FormData();
  form.append('document_type', documentType);
  form.append('friendly_name', 'March bill');
  form.append('File', new Blob([PDF], { type: 'application/pdf' }), 'bill.pdf');
  const res = await api('POST', '/v1/Documents', undefined, { raw: form });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${res.text}`);
  return res.body.sid as string;
}

/** `YYYY-MM-DD` that many days after `from`. */
export function dateAfter(from: Date, days: number): string {
  return new Date(from.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A create body that passes validation; `numbers` are E.164 strings. */
export function createBody(opts: {
  numbers: string[];
  documents: string[];
  targetDate?: string | null;
  accountSid?: string;
}): Record<string, any> {
  const body: Record<string, any> = {
    account_sid: opts.accountSid ?? SANDBOX_ACCOUNT_SID,
    target_port_in_time_range_start: '10:00:00-05:00',
    target_port_in_time_range_end: '18:00:00-05:00',
    notification_emails: ['ops@example.com'],
    losing_carrier_information: {
      customer_type: 'Business',
      customer_name: 'Acme Corp',
      account_number: 'ACCT-1',
      account_telephone_number: '+14155550100',
      authorized_representative: 'Jane Doe',
      authorized_representative_email: 'jane@example.com',
      address: {
        street: '101 Spear St',
        street_2: '5th floor',
        city: 'San Francisco',
        state: 'CA',
        zip: '94105',
        country: 'US',
      },
    },
    phone_numbers: opts.numbers.map((phone_number) => ({ phone_number, pin: null })),
    documents: opts.documents,
  };
  if (opts.targetDate !== null && opts.targetDate !== undefined) body.target_port_in_date = opts.targetDate;
  return body;
}

export interface ReceivedWebhook {
  /** Path and query as received, e.g. `/hook?bodySHA256=…`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
}

export interface Receiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status codes to answer with, in order; 200 once exhausted. */
  respondWith: number[];
  /** Real ms to wait before answering. */
  delayMs: number;
  waitFor(predicate: (all: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  events(): string[];
  close(): Promise<void>;
}

/** A tiny HTTP server that records every webhook it gets. */
export async function startReceiver(path = '/hooks/twilio'): Promise<Receiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const r: Partial<Receiver> & { received: ReceivedWebhook[] } = { received, respondWith: [], delayMs: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = null;
      try {
        json = JSON.parse(body);
      } catch {
        json = null;
      }
      const answer = () => {
        const status = r.respondWith?.shift() ?? 200;
        received.push({ url: req.url ?? '', headers: req.headers, body, json });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'nope');
        for (const w of waiters) w();
      };
      if (r.delayMs) setTimeout(answer, r.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${port}${path}`;
  r.events = () => received.map((x) => x.json?.status as string);
  r.waitFor = (predicate, timeoutMs = 5_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(received)) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(received);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(`webhooks not received in ${timeoutMs} ms; got ${received.map((x) => x.json?.status).join(', ')}`)
        );
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r as Receiver;
}

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
