import { createHash, createHmac } from 'node:crypto';

/**
 * Twilio's signature for JSON webhooks, written from the published scheme (reference §1.4):
 * the URL gets `bodySHA256=<hex sha256 of the raw body>`, and `X-Twilio-Signature` is the base64
 * HMAC-SHA1 of that full URL (no form parameters) keyed with the auth token.
 */

/** Lowercase hex SHA-256 of the body as sent. */
export function bodySha256(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/** The target URL with the `bodySHA256` query parameter appended as Twilio does. */
export function urlWithBodyHash(targetUrl: string, body: string): string {
  // Normalizing through URL gives an empty path a "/", which is what the receiver will see.
  const href = new URL(targetUrl).href;
  const hashIndex = href.indexOf('#');
  const withoutFragment = hashIndex === -1 ? href : href.slice(0, hashIndex);
  const sep = withoutFragment.includes('?') ? '&' : '?';
  return `${withoutFragment}${sep}bodySHA256=${bodySha256(body)}`;
}

/** Base64 HMAC-SHA1 of `url` (form parameters, if any, appended sorted, key then value). */
export function computeSignature(authToken: string, url: string, params: Record<string, string> = {}): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** What a signed JSON webhook consists of: the URL to POST to and its signature header. */
export function signJsonWebhook(
  authToken: string,
  targetUrl: string,
  body: string
): { url: string; signature: string } {
  const url = urlWithBodyHash(targetUrl, body);
  return { url, signature: computeSignature(authToken, url) };
}
