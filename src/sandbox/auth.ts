import { timingSafeEqual } from 'node:crypto';

import { ApiError } from './api-error';

/** A username/password pair the sandbox accepts, and the account it authenticates as. */
export interface Credential {
  username: string;
  password: string;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * HTTP Basic auth as Twilio does it: account SID + auth token, or API key SID + secret.
 * Throws a 401 with code 20003 for anything else.
 */
export function checkBasicAuth(header: string | undefined, accepted: readonly Credential[]): void {
  if (!header || !/^Basic\s+/i.test(header)) {
    throw authenticationError(
      'Authentication Error - No credentials provided: use HTTP Basic auth with your account SID and auth token, or an API key SID and secret'
    );
  }
  const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = colon === -1 ? decoded : decoded.slice(0, colon);
  const password = colon === -1 ? '' : decoded.slice(colon + 1);
  const ok = accepted.some((c) => same(c.username, username) && same(c.password, password));
  if (!ok) {
    throw authenticationError(
      'Authentication Error - invalid username or password: the credentials are neither the account SID and auth token nor an API key SID and secret of this account'
    );
  }
}

/** Twilio's 401: code 20003 with a Basic challenge. */
export function authenticationError(message: string): ApiError {
  return new ApiError(401, 20003, message, { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
}
