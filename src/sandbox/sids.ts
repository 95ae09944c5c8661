import { randomBytes } from 'node:crypto';

/** Twilio-style SID: a two-letter prefix and 32 lowercase hex digits. */
export function newSid(prefix: 'AD' | 'KW' | 'MG' | 'PN' | 'PU' | 'RD' | 'WH'): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Matches a SID of the given prefix, case-insensitive hex as in the OpenAPI patterns. */
export function isSid(prefix: string, value: string): boolean {
  return new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(value);
}

/** ISO 8601 at second precision, the way Twilio prints date-times (`2025-03-05T13:50:06Z`). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
