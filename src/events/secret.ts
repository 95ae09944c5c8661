import { randomBytes } from 'node:crypto';

/**
 * The events signing secret, in the Standard Webhooks form `whsec_` + base64 of 24 to 64 random
 * bytes (the spec's bounds). portflow signs with it; the backend verifies with the same string.
 */
const SECRET = /^whsec_([A-Za-z0-9+/]+={0,2})$/;

/** Why `secret` is not a usable signing secret, or null when it is. */
export function eventsSecretProblem(secret: string): string | null {
  const match = SECRET.exec(secret);
  if (!match) return 'expected whsec_ followed by base64, as generateEventsSecret() from portflow/events makes';
  const bytes = Buffer.from(match[1]!, 'base64').length;
  if (bytes < 24 || bytes > 64) return `expected a key of 24 to 64 bytes after whsec_ (this one has ${bytes})`;
  return null;
}

/** A new random secret: `whsec_` + base64 of 32 bytes. */
export function generateEventsSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
