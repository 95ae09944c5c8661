/**
 * Client-side validation of a port-in request: everything the PortIn seed and the porting overview
 * say Twilio will refuse, found before anything is sent, all problems at once. Pure: the clock and
 * the portability results are parameters.
 */
import type { ValidationProblem } from './errors';
import {
  ACCOUNT_SID,
  ADDRESS_SID,
  BUNDLE_SID,
  DOCUMENT_SID,
  E164,
  EMAIL,
  NANP_E164,
  OFFSET_TIME,
  TOLL_FREE_E164,
  formatLocalDate,
  offsetTimeToUtcSeconds,
  parseLocalDate,
} from './formats';
import { redact } from './redact';
import type { CreatePortInRequest } from './schemas/port-in';
import type { PortabilityResult } from './schemas/portability';

/** Twilio's limit of numbers per port-in request; the caller splits bigger orders. */
export const MAX_NUMBERS_PER_REQUEST = 1000;
/** US target dates must be at least this many days after today. */
export const MIN_LEAD_DAYS = 7;

/** What the validator needs besides the request. */
export interface PortInValidationContext {
  /** "Now" for the lead-time rule (the workflow's or the sandbox's clock, not necessarily the wall clock). */
  now: Date;
  /**
   * Portability results of (some of) the numbers: a number the check found not portable is refused,
   * and one that needs a PIN and account number must carry them.
   */
  portability?: ReadonlyArray<Pick<PortabilityResult, 'phoneNumber'> & Partial<PortabilityResult>>;
  /** Days of lead time required; default {@link MIN_LEAD_DAYS}. */
  minLeadDays?: number;
}

type Loose = Record<string, unknown>;

const isObject = (v: unknown): v is Loose => v !== null && typeof v === 'object' && !Array.isArray(v);
const isNonEmptyString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * Every problem of `request`, in field order; empty when Twilio should accept it. PINs and account
 * numbers are checked but never copied into a problem.
 */
export function validatePortInRequest(
  request: CreatePortInRequest,
  context: PortInValidationContext
): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  // Values are redacted in case a secret-bearing object lands where a scalar was expected.
  const add = (path: string, rule: string, message: string, value?: unknown) =>
    problems.push(value === undefined ? { path, rule, message } : { path, rule, message, value: redact(value) });

  const r: unknown = request;
  if (!isObject(r)) {
    add('(request)', 'type', `expected a port-in request object, got ${r === null ? 'null' : typeof r}`);
    return problems;
  }

  if (r.accountSid !== undefined && (typeof r.accountSid !== 'string' || !ACCOUNT_SID.test(r.accountSid))) {
    add('accountSid', 'sid-format', 'expected AC followed by 32 hex digits', r.accountSid);
  }

  checkDate(r, context, add);
  checkTimeRange(r, add);
  checkNotificationEmails(r.notificationEmails, add);
  const accountNumberNeededBy = checkPhoneNumbers(r.phoneNumbers, context, add);
  checkLosingCarrier(r.losingCarrierInformation, accountNumberNeededBy, add);
  checkDocuments(r.documents, add);

  if (r.bundleSid !== undefined && (typeof r.bundleSid !== 'string' || !BUNDLE_SID.test(r.bundleSid))) {
    add('bundleSid', 'sid-format', 'expected BU followed by 32 hex digits', r.bundleSid);
  }
  return problems;
}

type Add = (path: string, rule: string, message: string, value?: unknown) => void;

function checkDate(r: Loose, context: PortInValidationContext, add: Add): void {
  const value = r.targetPortInDate;
  if (value === undefined) return;
  const date = typeof value === 'string' ? parseLocalDate(value) : null;
  if (!date) {
    add('targetPortInDate', 'date-format', 'expected a calendar date as YYYY-MM-DD, e.g. 2025-03-14', value);
    return;
  }
  const leadDays = context.minLeadDays ?? MIN_LEAD_DAYS;
  const today = parseLocalDate(formatLocalDate(context.now));
  if (!today) return;
  const earliest = new Date(today.getTime() + leadDays * 86_400_000);
  if (date < earliest) {
    add(
      'targetPortInDate',
      'min-lead-time',
      `must be at least ${leadDays} days after ${formatLocalDate(context.now)} (UTC): ${formatLocalDate(earliest)} or later`,
      value
    );
  }
}

function checkTimeRange(r: Loose, add: Add): void {
  const seconds: Record<string, number | null> = {};
  for (const key of ['targetPortInTimeRangeStart', 'targetPortInTimeRangeEnd'] as const) {
    const value = r[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !OFFSET_TIME.test(value)) {
      add(key, 'time-format', 'expected an offset time HH:MM:SS±HH:MM or HH:MM:SSZ, e.g. 10:15:00-08:00', value);
      seconds[key] = null;
    } else {
      seconds[key] = offsetTimeToUtcSeconds(value);
    }
  }
  const start = seconds.targetPortInTimeRangeStart;
  const end = seconds.targetPortInTimeRangeEnd;
  if (start != null && end != null && start >= end) {
    add(
      'targetPortInTimeRangeEnd',
      'time-order',
      `must be after targetPortInTimeRangeStart (${show(r.targetPortInTimeRangeStart)}) once both are in UTC`,
      r.targetPortInTimeRangeEnd
    );
  }
}

function checkNotificationEmails(value: unknown, add: Add): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    add('notificationEmails', 'type', 'expected an array of email addresses', value);
    return;
  }
  value.forEach((email, i) => {
    if (typeof email !== 'string' || !EMAIL.test(email)) {
      add(`notificationEmails[${i}]`, 'email', 'expected an email address such as ops@example.com', email);
    }
  });
}

/** Country calling code of an E.164 number, as far as we need it: NANP is `1`, others by first two digits. */
function callingCode(e164: string): string {
  return e164.startsWith('+1') ? '1' : e164.slice(1, 3);
}

/** Checks the numbers; returns those the portability check says need an account number. */
function checkPhoneNumbers(value: unknown, context: PortInValidationContext, add: Add): string[] {
  if (!Array.isArray(value)) {
    add('phoneNumbers', 'required', 'expected an array of 1 to 1,000 numbers to port', value);
    return [];
  }
  if (value.length === 0) add('phoneNumbers', 'count', 'at least one number is required');
  if (value.length > MAX_NUMBERS_PER_REQUEST) {
    add(
      'phoneNumbers',
      'count',
      `at most ${MAX_NUMBERS_PER_REQUEST.toLocaleString('en-US')} numbers per request, got ${value.length}; split the order into several requests`
    );
  }

  const portability = new Map((context.portability ?? []).map((p) => [p.phoneNumber, p]));
  const seen = new Map<string, number>();
  const countries = new Set<string>();
  const needAccountNumber: string[] = [];

  value.forEach((entry, i) => {
    const at = `phoneNumbers[${i}]`;
    if (!isObject(entry)) {
      add(at, 'type', 'expected an object { phoneNumber, pin? }', entry);
      return;
    }
    const number = entry.phoneNumber;
    if (!isNonEmptyString(number)) {
      add(`${at}.phoneNumber`, 'required', 'a phone number in E.164 format is required', number);
    } else if (!E164.test(number)) {
      add(
        `${at}.phoneNumber`,
        'e164',
        'expected E.164: + then country code and number, digits only, e.g. +14155552671',
        number
      );
    } else {
      countries.add(callingCode(number));
      if (!number.startsWith('+1')) {
        add(`${at}.phoneNumber`, 'us-only', 'only US numbers (+1) can be ported with the Porting API', number);
      } else if (!NANP_E164.test(number)) {
        add(
          `${at}.phoneNumber`,
          'us-number',
          'not a valid US number: +1, then area code and exchange starting 2-9, 10 digits in all',
          number
        );
      } else if (TOLL_FREE_E164.test(number)) {
        add(`${at}.phoneNumber`, 'toll-free', 'toll-free numbers cannot be ported with the Porting API', number);
      }
      const first = seen.get(number);
      if (first !== undefined) {
        add(`${at}.phoneNumber`, 'duplicate', `same number as phoneNumbers[${first}]`, number);
      } else {
        seen.set(number, i);
      }
    }

    const pin = entry.pin;
    if (pin !== undefined && pin !== null && !isNonEmptyString(pin)) {
      add(`${at}.pin`, 'type', 'expected a non-empty string (the PIN from the losing carrier)');
    }

    const check = typeof number === 'string' ? portability.get(number) : undefined;
    if (check?.portable === false) {
      const reason = [check.notPortableReason, check.notPortableReasonCode].filter((x) => x != null).join(' ');
      add(
        `${at}.phoneNumber`,
        'not-portable',
        `the portability check says it is not portable${reason ? ` (${reason})` : ''}`,
        number
      );
    }
    if (check?.pinAndAccountNumberRequired) {
      if (!isNonEmptyString(pin)) {
        add(
          `${at}.pin`,
          'pin-required',
          'the portability check says this number needs the PIN from the losing carrier'
        );
      }
      needAccountNumber.push(check.phoneNumber);
    }
  });

  if (countries.size > 1) {
    add('phoneNumbers', 'one-country', 'all numbers of a request must be from one country (Twilio error 22172)');
  }
  return needAccountNumber;
}

function checkLosingCarrier(value: unknown, needAccountNumber: string[], add: Add): void {
  const base = 'losingCarrierInformation';
  if (!isObject(value)) {
    add(base, 'required', 'the losing carrier information (customer, representative, address) is required', value);
    return;
  }
  if (value.customerType !== 'Business' && value.customerType !== 'Individual') {
    add(`${base}.customerType`, 'enum', "expected 'Business' or 'Individual' (exactly so)", value.customerType);
  }
  for (const key of ['customerName', 'authorizedRepresentative'] as const) {
    if (!isNonEmptyString(value[key])) add(`${base}.${key}`, 'required', 'a non-empty string is required', value[key]);
  }
  const email = value.authorizedRepresentativeEmail;
  if (!isNonEmptyString(email)) {
    add(
      `${base}.authorizedRepresentativeEmail`,
      'required',
      'the email that receives the LOA to sign is required',
      email
    );
  } else if (!EMAIL.test(email)) {
    add(`${base}.authorizedRepresentativeEmail`, 'email', 'expected an email address such as jane@example.com', email);
  }
  const phone = value.accountTelephoneNumber;
  if (!isNonEmptyString(phone)) {
    add(
      `${base}.accountTelephoneNumber`,
      'required',
      "the account's main number with the losing carrier is required (E.164; if unsure, one of the numbers being ported)",
      phone
    );
  } else if (!E164.test(phone)) {
    add(`${base}.accountTelephoneNumber`, 'e164', 'expected E.164, e.g. +14155552671', phone);
  }

  const accountNumber = value.accountNumber;
  if (accountNumber !== undefined && accountNumber !== null && !isNonEmptyString(accountNumber)) {
    add(`${base}.accountNumber`, 'type', 'expected a non-empty string (the account number with the losing carrier)');
  } else if (needAccountNumber.length > 0 && !isNonEmptyString(accountNumber)) {
    const some = needAccountNumber.slice(0, 3).join(', ') + (needAccountNumber.length > 3 ? ', …' : '');
    add(
      `${base}.accountNumber`,
      'account-number-required',
      `the portability check says ${needAccountNumber.length} number(s) need the account number with the losing carrier (${some})`
    );
  }

  const hasAddress = value.address !== undefined && value.address !== null;
  const hasSid = value.addressSid !== undefined && value.addressSid !== null;
  if (hasAddress === hasSid) {
    add(
      `${base}.address`,
      'address-or-sid',
      hasAddress ? 'give either address or addressSid, not both' : 'either address or addressSid is required'
    );
  }
  if (hasSid && (typeof value.addressSid !== 'string' || !ADDRESS_SID.test(value.addressSid))) {
    add(`${base}.addressSid`, 'sid-format', 'expected AD followed by 32 hex digits', value.addressSid);
  }
  if (hasAddress) checkAddress(value.address, `${base}.address`, add);
}

function checkAddress(value: unknown, base: string, add: Add): void {
  if (!isObject(value)) {
    add(base, 'type', 'expected an object { street, street2?, city, state, zip, country }', value);
    return;
  }
  for (const key of ['street', 'city', 'state', 'zip', 'country'] as const) {
    if (!isNonEmptyString(value[key])) add(`${base}.${key}`, 'required', 'a non-empty string is required', value[key]);
  }
  if (value.street2 !== undefined && value.street2 !== null && typeof value.street2 !== 'string') {
    add(`${base}.street2`, 'type', 'expected a string', value.street2);
  }
  const country = value.country;
  if (isNonEmptyString(country) && !/^(US|USA|United States( of America)?)$/i.test(country.trim())) {
    add(`${base}.country`, 'us-only', "the Porting API ports US numbers only: expected 'US'", country);
  }
  const zip = value.zip;
  if (isNonEmptyString(zip) && !/^\d{5}(-\d{4})?$/.test(zip.trim())) {
    add(`${base}.zip`, 'zip', 'expected a US ZIP code: 5 digits, optionally -4 more (94105 or 94105-1234)', zip);
  }
}

function checkDocuments(value: unknown, add: Add): void {
  if (!Array.isArray(value) || value.length === 0) {
    add('documents', 'required', 'at least one document SID (RD…, the uploaded utility bill) is required', value);
    return;
  }
  value.forEach((sid, i) => {
    if (typeof sid !== 'string' || !DOCUMENT_SID.test(sid)) {
      add(`documents[${i}]`, 'sid-format', 'expected RD followed by 32 hex digits', sid);
    }
  });
}
