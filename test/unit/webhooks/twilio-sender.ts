/**
 * Test helper: sends webhooks the way Twilio does, signed by the sandbox's own implementation of the
 * scheme (src/sandbox/signature.ts, written independently of the receiver, which uses the official
 * `twilio` package). Plus builders of porting payloads and sids.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { signJsonWebhook } from '../../../src/sandbox/signature';

export const newRequestSid = () => `KW${randomBytes(16).toString('hex')}`;
export const newNumberSid = () => `PU${randomBytes(16).toString('hex')}`;

/** A request-level event body, snake_case as Twilio sends it. */
export function requestEvent(sid: string, status: string, at = new Date()): Record<string, unknown> {
  return {
    port_in_request_sid: sid,
    status,
    last_date_updated: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    order_cancellation_reason: null,
  };
}

/** A number-level event body. */
export function numberEvent(
  sid: string,
  status: string,
  phoneNumber = '+14155550123',
  numberSid = newNumberSid(),
  at = new Date()
): Record<string, unknown> {
  return {
    port_in_request_sid: sid,
    port_in_phone_number_sid: numberSid,
    phone_number: phoneNumber,
    status,
    last_date_updated: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    portable: true,
    not_portable_reason: null,
    not_portable_reason_code: null,
    rejection_reason: null,
    rejection_reason_code: null,
    port_date: null,
  };
}

/** One signed delivery: what Twilio would POST. Tests then break it in one way or another. */
export interface Delivery {
  /** Where to POST (the target URL with `bodySHA256`). */
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * Signs `payload` for `signedUrl` (the URL Twilio was configured with) and addresses it to `postTo`
 * (the receiver as the test reaches it; defaults to the signed URL).
 */
export function signedDelivery(
  authToken: string,
  signedUrl: string,
  payload: unknown,
  options: { postTo?: string; idempotencyToken?: string | null } = {}
): Delivery {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const { url, signature } = signJsonWebhook(authToken, signedUrl, body);
  const query = new URL(url).search;
  const target = options.postTo ? `${options.postTo.split('?')[0]}${query}` : url;
  const token = options.idempotencyToken === undefined ? randomUUID() : options.idempotencyToken;
  return {
    url: target,
    body,
    headers: {
      'content-type': 'application/json',
      'x-twilio-signature': signature,
      'user-agent': 'TwilioProxy/1.1',
      ...(token ? { 'i-twilio-idempotency-token': token } : {}),
    },
  };
}

export interface PostResult {
  status: number;
  json: Record<string, unknown> | null;
  text: string;
}

/**
 * POSTs a delivery and reads the answer. Plain `node:http` rather than fetch, so a test can set the
 * Host header the way a reverse proxy does.
 */
export function post(delivery: Delivery): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = request(delivery.url, { method: 'POST', headers: delivery.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: Record<string, unknown> | null = null;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, json, text });
      });
    });
    // A 413 may close the socket before the whole body is written: the answer still arrives.
    req.on('error', reject);
    req.end(delivery.body);
  });
}
