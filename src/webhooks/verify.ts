/**
 * Is this request one Twilio signed? Porting webhooks are JSON: Twilio adds `bodySHA256=<hex sha256
 * of the raw body>` to the URL it calls and signs that whole URL (reference §1.4). The check runs
 * on the raw bytes, before anything parses them, with the official `twilio` package.
 */
import { validateRequest, validateRequestWithBody } from 'twilio';

/** Why a request was refused (a metrics label and a log field; never sent to the caller). */
export type SignatureFailure =
  /** No `X-Twilio-Signature` header. */
  | 'missing-signature'
  /** The URL has no `bodySHA256` query parameter: nothing ties the signature to the body. */
  | 'missing-body-hash'
  /** The signature does not match the URL: wrong auth token, another URL, or forged. */
  | 'invalid-signature'
  /** The URL is signed, but the body is not the one its `bodySHA256` names: tampered. */
  | 'body-hash-mismatch';

export type SignatureCheck =
  /** `tokenIndex`: which of the request's `authTokens` signed it (0 = the first). */
  { ok: true; bodySha256: string; tokenIndex: number } | { ok: false; reason: SignatureFailure };

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
  // The first bodySHA256 of the query, as the package reads it (hex needs no decoding); no URL parse here.
  const query = request.url.slice(request.url.indexOf('?') + 1 || request.url.length);
  const bodySha256 = /(?:^|&)bodySHA256=([^&#]*)/.exec(query)?.[1];
  if (!bodySha256) return { ok: false, reason: 'missing-body-hash' };
  // The package hashes the body as a UTF-8 string; bytes that are not UTF-8 change on the way and fail,
  // which is right: Twilio sends UTF-8 JSON.
  const body = request.rawBody.toString('utf8');
  try {
    const tokenIndex = request.authTokens.findIndex((token) =>
      validateRequestWithBody(token, signature, request.url, body)
    );
    if (tokenIndex >= 0) return { ok: true, bodySha256: bodySha256.toLowerCase(), tokenIndex };
  } catch {
    // An unparseable URL (a strange Host header) cannot carry a valid signature.
    return { ok: false, reason: 'invalid-signature' };
  }
  const urlSigned = request.authTokens.some((token) => validateRequest(token, signature, request.url, {}));
  return { ok: false, reason: urlSigned ? 'body-hash-mismatch' : 'invalid-signature' };
}

/**
 * The URL Twilio called. Behind a proxy or tunnel the receiver sees its own address, not the one
 * Twilio signed, so a configured public base URL wins: base + the request's path and query as
 * received (`bodySHA256` kept, nothing re-encoded). Without one: `http://` + the Host header + path.
 * Forwarded headers are deliberately ignored: anyone can send them.
 *
 * @param publicBaseUrl - e.g. `https://hooks.example.com` or `https://example.com/portflow` (a path
 *   prefix the proxy strips); a trailing slash is ignored.
 */
export function publicRequestUrl(
  request: { url: string; headers: { host?: string | undefined } },
  publicBaseUrl?: string
): string {
  if (publicBaseUrl) return publicBaseUrl.replace(/\/+$/, '') + request.url;
  return `http://${request.headers.host ?? 'localhost'}${request.url}`;
}
