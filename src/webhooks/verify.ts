/**
 * Is this request one Twilio signed? Porting webhooks are JSON: Twilio adds `bodySHA256=<hex sha256
 * of the raw body>` to the URL it calls and signs that whole URL (reference §1.4). The check runs
 * on the raw bytes, before anything parses them, with the official `twilio` package.
 *
 * The package accepts a signature made for the URL with its port removed or the scheme's default
 * port added (and with its query re-encoded the legacy way). Spelling the default port or not is
 * harmless; dropping another port is not: a signature for https://host/… would then be valid on
 * https://host:8443/…. So when the URL names a non-default port, the signature must also match
 * one of the package's variants that keep that port.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parse as parseQuery, stringify as stringifyQuery } from 'node:querystring';
import { getExpectedTwilioSignature, validateRequest, validateRequestWithBody } from 'twilio';

/** Why a request was refused (a metrics label and a log field; never sent to the caller). */
export type SignatureFailure =
  /** No `X-Twilio-Signature` header. */
  | 'missing-signature'
  /** The URL has no `bodySHA256` query parameter: nothing ties the signature to the body. */
  | 'missing-body-hash'
  /** The signature does not match the URL: wrong auth token, another URL, or forged. */
  | 'invalid-signature'
  /** The URL is signed, but the body is not the one its `bodySHA256` names: tampered. */
  | 'body-hash-mismatch'
  /** The signature is for this URL without its (non-default) port: made for another endpoint. */
  | 'port-not-signed';

export type SignatureCheck =
  | {
      ok: true;
      /** SHA-256 of the raw body, lowercase hex: computed here, never read from the URL. */
      bodySha256: string;
      /** The signature header as sent (trimmed). */
      signature: string;
      /** Which of the request's `authTokens` signed it (0 = the first). */
      tokenIndex: number;
    }
  | { ok: false; reason: SignatureFailure };

/** What {@link verifyTwilioSignature} needs from a request. */
export interface SignedRequest {
  /**
   * Every auth token a valid signature may be made with, the current one first: during a token
   * rotation Twilio may sign with either, and which token signs subaccount port-ins is undocumented.
   */
  authTokens: readonly string[];
  /** The `X-Twilio-Signature` header, if any. */
  signature: string | undefined;
  /** The URL Twilio called, query string included (see {@link publicRequestUrl}). */
  url: string;
  rawBody: Buffer;
}

/**
 * Checks a JSON webhook's signature and body hash with `twilio.validateRequestWithBody`, against
 * each accepted token in turn. When none matches, the package's `validateRequest` on the URL alone
 * tells a tampered body (URL signature good) from a bad signature, so the log can say which.
 */
export function verifyTwilioSignature(request: SignedRequest): SignatureCheck {
  const signature = request.signature?.trim();
  if (!signature) return { ok: false, reason: 'missing-signature' };
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    // An unparseable URL cannot carry a valid signature.
    return { ok: false, reason: 'invalid-signature' };
  }
  // Read as the package reads it (decoded), so only a URL the package would check goes on.
  if (!url.searchParams.get('bodySHA256')) return { ok: false, reason: 'missing-body-hash' };
  // The package hashes the body as a UTF-8 string; bytes that are not UTF-8 change on the way and fail,
  // which is right: Twilio sends UTF-8 JSON.
  const body = request.rawBody.toString('utf8');
  const tokenIndex = request.authTokens.findIndex((token) =>
    validateRequestWithBody(token, signature, request.url, body)
  );
  if (tokenIndex >= 0) {
    if (url.port !== '' && !signedWithPort(request.authTokens[tokenIndex]!, signature, url)) {
      return { ok: false, reason: 'port-not-signed' };
    }
    return { ok: true, bodySha256: sha256Hex(request.rawBody), signature, tokenIndex };
  }
  const urlSigned = request.authTokens.some((token) => validateRequest(token, signature, request.url, {}));
  return { ok: false, reason: urlSigned ? 'body-hash-mismatch' : 'invalid-signature' };
}

/**
 * Did `token` sign this URL with its port? `url.port` is non-empty only for a non-default port
 * (WHATWG URLs drop :443 on https and :80 on http), and for such a URL the package's "with port"
 * variants are the URL itself and its legacy re-encoded query.
 */
function signedWithPort(token: string, signature: string, url: URL): boolean {
  const asIs = url.toString();
  return [asIs, withLegacyQuery(asIs)].some((candidate) =>
    constantTimeEqual(signature, getExpectedTwilioSignature(token, candidate, {}))
  );
}

/** The package's legacy query spelling: parsed and re-stringified by node:querystring. */
function withLegacyQuery(href: string): string {
  const url = new URL(href);
  if (!url.search) return href;
  const query = stringifyQuery(parseQuery(url.search.slice(1)));
  url.search = '';
  return `${url.toString()}?${query}`;
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The canonical body hash: SHA-256 of the bytes received, lowercase hex. */
export function sha256Hex(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

/**
 * The URL Twilio called: the configured public base URL (or, in the sandbox, the address the
 * request was accepted on) + the request's path and query as received (`bodySHA256` kept, nothing
 * re-encoded). Never the Host header nor X-Forwarded-*: anyone can send them, and a signature for
 * another URL of the same account would then pass.
 *
 * @param signedBaseUrl - e.g. `https://hooks.example.com` or `https://example.com/portflow` (a path
 *   prefix the proxy strips); a trailing slash is ignored.
 */
export function publicRequestUrl(request: { url: string }, signedBaseUrl: string): string {
  return signedBaseUrl.replace(/\/+$/, '') + request.url;
}

/**
 * The base URL of the listening socket that accepted a request (`http://127.0.0.1:3000`): what the
 * sandbox calls when the receiver is configured with its listen URL. An IPv4 address seen through a
 * dual-stack socket (`::ffff:127.0.0.1`) is written as IPv4.
 */
export function listenBaseUrl(socket: { localAddress?: string | undefined; localPort?: number | undefined }): string {
  const address = (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}${socket.localPort ? `:${socket.localPort}` : ''}`;
}
