/**
 * The formats the Porting API insists on: SIDs, E.164 numbers, dates and offset times, emails.
 * Shared by request validation and path-parameter checks.
 */
import { RequestValidationError } from './errors';

/** `KW` + 32 hex: a port-in request. */
export const PORT_IN_REQUEST_SID = /^KW[0-9a-fA-F]{32}$/;
/** `PU` + 32 hex: a phone number inside a port-in request. */
export const PORT_IN_PHONE_NUMBER_SID = /^PU[0-9a-fA-F]{32}$/;
/** `AC` + 32 hex: an account. */
export const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
/** `AD` + 32 hex: an address. */
export const ADDRESS_SID = /^AD[0-9a-fA-F]{32}$/;
/** `RD` + 32 hex: a document (the utility bill). */
export const DOCUMENT_SID = /^RD[0-9a-fA-F]{32}$/;
/** `PN` + 32 hex: a number of the account (IncomingPhoneNumber). */
export const INCOMING_PHONE_NUMBER_SID = /^PN[0-9a-fA-F]{32}$/;
/** `MG` + 32 hex: a Messaging Service. */
export const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
/** `AP` + 32 hex: a TwiML application. */
export const APPLICATION_SID = /^AP[0-9a-fA-F]{32}$/;
/** `BU` + 32 hex: a regulatory bundle. */
export const BUNDLE_SID = /^BU[0-9a-fA-F]{32}$/;

/** E.164: `+`, a country code not starting with 0, at most 15 digits in all. */
export const E164 = /^\+[1-9]\d{1,14}$/;
/** A North American Numbering Plan number in E.164: area code and exchange both start with 2-9. */
export const NANP_E164 = /^\+1[2-9]\d{2}[2-9]\d{6}$/;
/** NANP toll-free area codes (800, 833, 844, 855, 866, 877, 888, and the reserved 822, 880-887, 889). */
export const TOLL_FREE_E164 = /^\+18(00|22|33|44|55|66|77|8\d)\d{7}$/;

/** ISO local date `YYYY-MM-DD`. */
export const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/**
 * ISO offset time `HH:MM:SS±HH:MM` (as the PortIn seed's `10:15:00-08:00`), or `HH:MM:SSZ`: the
 * ISO form writes a zero offset as `Z`, and the order schema accepts it, so the client must too.
 */
export const OFFSET_TIME = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:([+-])(0\d|1[0-4]):([0-5]\d)|Z)$/;
/** A pragmatic email check: something@something.tld, no spaces. */
export const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[A-Za-z]{2,}$/;

/** The UTC midnight of a valid `YYYY-MM-DD`, or null if the text is not a real calendar date. */
export function parseLocalDate(text: string): Date | null {
  const m = LOCAL_DATE.exec(text);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date;
}

/** `YYYY-MM-DD` of a Date in UTC. */
export function formatLocalDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Seconds since UTC midnight of an offset time, or null if malformed. `10:00:00-08:00` is 18:00 UTC. */
export function offsetTimeToUtcSeconds(text: string): number | null {
  const m = OFFSET_TIME.exec(text);
  if (!m) return null;
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  // Groups 4–6 are absent for `Z`.
  const offset = m[4] ? (Number(m[5]) * 3600 + Number(m[6]) * 60) * (m[4] === '-' ? -1 : 1) : 0;
  return local - offset;
}

/** The kinds of path parameter the client puts in URLs. */
export type PathParamKind =
  | 'portInRequestSid'
  | 'phoneNumberSid'
  | 'phoneNumber'
  | 'webhookType'
  | 'accountSid'
  | 'incomingPhoneNumberSid'
  | 'messagingServiceSid';

const pathParamRules: Record<PathParamKind, { pattern: RegExp; allowed: string }> = {
  portInRequestSid: { pattern: PORT_IN_REQUEST_SID, allowed: 'KW followed by 32 hex digits' },
  phoneNumberSid: { pattern: PORT_IN_PHONE_NUMBER_SID, allowed: 'PU followed by 32 hex digits' },
  phoneNumber: { pattern: E164, allowed: 'an E.164 number such as +14155552671' },
  webhookType: { pattern: /^(PORT_IN|PORT_OUT)$/, allowed: "'PORT_IN' or 'PORT_OUT'" },
  accountSid: { pattern: ACCOUNT_SID, allowed: 'AC followed by 32 hex digits' },
  incomingPhoneNumberSid: { pattern: INCOMING_PHONE_NUMBER_SID, allowed: 'PN followed by 32 hex digits' },
  messagingServiceSid: { pattern: MESSAGING_SERVICE_SID, allowed: 'MG followed by 32 hex digits' },
};

/**
 * Checks a value destined for a URL path and returns it percent-encoded (`+` becomes `%2B`).
 * Throws {@link RequestValidationError} naming the parameter and the allowed form.
 */
export function pathParam(kind: PathParamKind, value: unknown, name: string = kind): string {
  const rule = pathParamRules[kind];
  if (typeof value !== 'string' || !rule.pattern.test(value)) {
    throw new RequestValidationError(`Invalid ${name}`, [
      {
        path: name,
        rule: 'format',
        message: `expected ${rule.allowed}, got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
        value,
      },
    ]);
  }
  return encodeURIComponent(value);
}
