import { z } from 'zod';

import { ApiError, badRequest } from './api-error';
import type { NewPortIn } from './carrier';
import type { Address, DocumentRecord, NumberRecord } from './model';
import { scenarioFor } from './scenarios';
import type { Scenario } from './scenarios';
import { isSid, isoSeconds } from './sids';

/**
 * Validation of `POST /v1/Porting/PortIn` the way Twilio answers it: every rule of the PortIn
 * seed, each failure a 400 with a specific code and a message that names the field, says why and
 * what is allowed. Problems of one kind are reported together.
 */

export const MAX_NUMBERS_PER_REQUEST = 1000;
const DAY = 86_400_000;

const TOP_KEYS = [
  'account_sid',
  'target_port_in_date',
  'target_port_in_time_range_start',
  'target_port_in_time_range_end',
  'notification_emails',
  'losing_carrier_information',
  'phone_numbers',
  'documents',
  'bundle_sid',
  'portability_advance_carrier',
  'auto_cancel_approval_numbers',
];
const CARRIER_KEYS = [
  'customer_type',
  'customer_name',
  'account_number',
  'account_telephone_number',
  'address_sid',
  'address',
  'authorized_representative',
  'authorized_representative_email',
  'authorized_representative_katakana',
  'sub_municipality',
  'building',
  'katakana_name',
];
const ADDRESS_KEYS = ['street', 'street_2', 'city', 'state', 'zip', 'country'];
const NUMBER_KEYS = ['phone_number', 'pin'];

const required = z.string().trim().min(1);
const optionalString = z.string().nullish();

const createSchema = z.object({
  // Required by the spec's create schema (`numbers.v1.porting_port_in_create`); the seeds' examples all send it.
  account_sid: required,
  target_port_in_date: optionalString,
  target_port_in_time_range_start: optionalString,
  target_port_in_time_range_end: optionalString,
  notification_emails: z.array(z.email()).nullish(),
  losing_carrier_information: z.object({
    customer_type: z.enum(['Business', 'Individual']),
    customer_name: required,
    account_number: optionalString,
    account_telephone_number: required,
    address_sid: optionalString,
    address: z
      .object({
        street: required,
        street_2: optionalString,
        city: required,
        state: required,
        zip: required,
        country: required,
      })
      .nullish(),
    authorized_representative: required,
    authorized_representative_email: z.email(),
  }),
  phone_numbers: z.array(z.object({ phone_number: required, pin: optionalString })),
  documents: z.array(z.string()),
  bundle_sid: optionalString,
});

export interface ValidationContext {
  accountSid: string;
  nowMs: number;
  documents: ReadonlyMap<string, DocumentRecord>;
  activeByPhone: ReadonlyMap<string, NumberRecord>;
  ported: ReadonlyMap<string, string>;
  /** Address resources of the account, by `AD…` SID. */
  addresses: ReadonlyMap<string, Address>;
}

/** Validates a create body; throws {@link ApiError} for the first kind of problem found. */
export function validatePortInCreate(body: unknown, ctx: ValidationContext): NewPortIn {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Request body must be a JSON object with snake_case keys (see the PortIn resource)');
  }
  const camel = camelCaseKeys(body as Record<string, unknown>);
  if (camel.length > 0) {
    throw badRequest(
      `Unknown field${camel.length > 1 ? 's' : ''} ${camel.map((c) => `'${c.path}' (use '${c.expected}')`).join(', ')}: ` +
        'the Porting API takes snake_case JSON keys. twilio-node sends typed camelCase params verbatim (issue #1190); pass snake_case keys.'
    );
  }
  const raw = body as Record<string, unknown>;
  if (Array.isArray(raw.phone_numbers)) {
    const n = raw.phone_numbers.length;
    if (n < 1 || n > MAX_NUMBERS_PER_REQUEST) {
      throw badRequest(
        `phoneNumbers: size must be between 1 and ${MAX_NUMBERS_PER_REQUEST} (phone_numbers has ${n} entries; split larger ports into several requests)`
      );
    }
  }
  const parsed = createSchema.safeParse(body);
  if (!parsed.success) throw schemaError(parsed.error.issues, raw);
  const b = parsed.data;
  const lc = b.losing_carrier_information;

  if (!lc.address && !lc.address_sid) {
    throw badRequest(
      'Missing required fields: losing_carrier_information.address or losing_carrier_information.address_sid (give the billing address registered with the losing carrier, or an AD… Address SID)',
      22171
    );
  }
  if (lc.address_sid && !isSid('AD', lc.address_sid)) {
    throw badRequest(
      `losing_carrier_information.address_sid: '${lc.address_sid}' is not a valid Address SID (expected AD followed by 32 hex digits)`,
      22173
    );
  }
  if (lc.address_sid && !ctx.addresses.has(lc.address_sid)) {
    throw badRequest(
      `losing_carrier_information.address_sid: ${lc.address_sid} is not an Address of account ${ctx.accountSid} (register one with POST /_sandbox/addresses, or give the address itself)`,
      22173
    );
  }
  if (b.account_sid !== ctx.accountSid) {
    throw new ApiError(
      403,
      20403,
      `Account lacks permission to access the API (possibly suspended or closed): account_sid ${b.account_sid} is not the authenticated account ${ctx.accountSid}`
    );
  }
  if (b.bundle_sid && !/^BU[0-9a-fA-F]{32}$/.test(b.bundle_sid)) {
    throw badRequest(
      `bundle_sid: '${b.bundle_sid}' is not a valid Bundle SID (expected BU followed by 32 hex digits)`,
      22170
    );
  }

  const numbers = checkNumbers(b.phone_numbers, lc.account_number ?? null);
  checkE164Field('losing_carrier_information.account_telephone_number', lc.account_telephone_number);
  checkTargetDate(
    b.target_port_in_date ?? null,
    b.target_port_in_time_range_start,
    b.target_port_in_time_range_end,
    ctx
  );
  checkDocuments(b.documents, ctx);
  checkAlreadyPorting(numbers, ctx);

  return {
    accountSid: ctx.accountSid,
    targetPortInDate: b.target_port_in_date ?? null,
    timeRangeStart: b.target_port_in_time_range_start ?? null,
    timeRangeEnd: b.target_port_in_time_range_end ?? null,
    notificationEmails: b.notification_emails ?? [],
    losingCarrier: {
      customerType: lc.customer_type,
      customerName: lc.customer_name,
      accountNumber: lc.account_number ?? null,
      accountTelephoneNumber: lc.account_telephone_number,
      authorizedRepresentative: lc.authorized_representative,
      authorizedRepresentativeEmail: lc.authorized_representative_email,
      addressSid: lc.address_sid ?? null,
      // "This will copy the address into the port-in request" (PortIn seed).
      address: lc.address ? toAddress(lc.address) : lc.address_sid ? { ...ctx.addresses.get(lc.address_sid)! } : null,
    },
    documents: b.documents,
    bundleSid: b.bundle_sid ?? null,
    numbers,
  };
}

function toAddress(a: {
  street: string;
  street_2?: string | null;
  city: string;
  state: string;
  zip: string;
  country: string;
}): Address {
  return {
    street: a.street,
    street_2: a.street_2 ?? null,
    city: a.city,
    state: a.state,
    zip: a.zip,
    country: a.country,
  };
}

interface CamelKey {
  path: string;
  expected: string;
}

function toSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Keys that are the camelCase spelling of a known snake_case key, at every level of the body. */
function camelCaseKeys(body: Record<string, unknown>): CamelKey[] {
  const found: CamelKey[] = [];
  const scan = (obj: unknown, known: string[], prefix: string, descend?: (key: string, value: unknown) => void) => {
    if (obj == null || typeof obj !== 'object' || Array.isArray(obj)) return;
    for (const [key, value] of Object.entries(obj)) {
      const snake = toSnake(key);
      if (snake !== key && known.includes(snake)) found.push({ path: prefix + key, expected: prefix + snake });
      else descend?.(key, value);
    }
  };
  scan(body, TOP_KEYS, '', (key, value) => {
    if (key === 'losing_carrier_information') {
      scan(value, CARRIER_KEYS, 'losing_carrier_information.', (k, v) => {
        if (k === 'address') scan(v, ADDRESS_KEYS, 'losing_carrier_information.address.');
      });
    }
    if (key === 'phone_numbers' && Array.isArray(value)) {
      value.forEach((item, i) => scan(item, NUMBER_KEYS, `phone_numbers[${i}].`));
    }
  });
  // A 1,000-number body with camelCase keys gets one report per distinct key, not a thousand.
  const seen = new Set<string>();
  return found.filter((f) => {
    const k = f.path.replace(/\[\d+\]/, '[]');
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function pathString(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    ''
  );
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v == null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function listUpTo(items: string[], max = 10): string {
  return items.length <= max ? items.join('; ') : `${items.slice(0, max).join('; ')}; and ${items.length - max} more`;
}

/** Missing or blank required fields → 22171; anything else → 400 with what is allowed. */
function schemaError(issues: z.core.$ZodIssue[], raw: Record<string, unknown>): ApiError {
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const issue of issues) {
    const path = pathString(issue.path);
    const value = valueAt(raw, issue.path);
    const blank = value == null || (typeof value === 'string' && value.trim() === '');
    if (blank && (issue.code === 'invalid_type' || issue.code === 'too_small' || issue.code === 'invalid_value')) {
      missing.push(path);
      continue;
    }
    invalid.push(`${path || '(body)'}: ${describeIssue(issue, value)}`);
  }
  // The seed's error table answers a create without documents with its "Invalid documents" 400.
  const others = missing.filter((m) => m !== 'documents');
  if (others.length > 0) {
    return badRequest(`Missing required fields: ${listUpTo(others, 20)}`, 22171);
  }
  if (missing.length > 0) {
    return invalidDocuments('documents is missing; give at least one RD… document SID of type utility_bill');
  }
  return badRequest(listUpTo(invalid));
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  const got = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'array' ? 'an array' : issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}, got ${got}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => `'${String(v)}'`).join(', ')}, got ${JSON.stringify(value)}`;
    case 'invalid_format':
      return issue.format === 'email'
        ? `must be a valid email address, got ${JSON.stringify(value)}`
        : `must match the ${issue.format} format, got ${JSON.stringify(value)}`;
    default:
      return issue.message;
  }
}

function checkE164Field(field: string, value: string): void {
  if (!/^\+[1-9]\d{1,14}$/.test(value)) {
    throw badRequest(
      `${field}: '${value}' is not a valid E.164 phone number (expected + and up to 15 digits, e.g. +14155550100)`,
      22102
    );
  }
}

function checkNumbers(
  items: Array<{ phone_number: string; pin?: string | null }>,
  accountNumber: string | null
): NewPortIn['numbers'] {
  const out: NewPortIn['numbers'] = [];
  const invalid: string[] = [];
  const countries = new Map<string, number>();
  const tollFree: string[] = [];
  const duplicates: string[] = [];
  const firstIndex = new Map<string, number>();
  const needPin: string[] = [];
  let pinRequired = 0;
  items.forEach((item, i) => {
    const phone = item.phone_number.trim();
    const scenario: Scenario = scenarioFor(phone);
    if (!scenario.validE164) {
      invalid.push(`phone_numbers[${i}].phone_number '${item.phone_number}'`);
      return;
    }
    const country = scenario.country ?? 'unknown';
    if (!countries.has(country)) countries.set(country, i);
    if (scenario.kind === 'toll-free') tollFree.push(`phone_numbers[${i}].phone_number ${phone}`);
    const first = firstIndex.get(phone);
    if (first != null) duplicates.push(`phone_numbers[${i}].phone_number ${phone} repeats phone_numbers[${first}]`);
    else firstIndex.set(phone, i);
    const hasPin = item.pin != null && item.pin.trim() !== '';
    if (scenario.pinAndAccountNumberRequired) pinRequired++;
    if (scenario.pinAndAccountNumberRequired && !hasPin) needPin.push(`phone_numbers[${i}].pin (for ${phone})`);
    out.push({ phoneNumber: phone, hasPin, scenario });
  });
  if (invalid.length > 0) {
    throw badRequest(
      `Invalid phone number${invalid.length > 1 ? 's' : ''}: ${listUpTo(invalid)}. Phone numbers must be E.164 (+ country code and number, e.g. +14155550100) and US numbers must be valid NANP numbers`,
      22102
    );
  }
  if (countries.size > 1) {
    const list = [...countries.entries()].map(([c, i]) => `${c} (phone_numbers[${i}])`).join(', ');
    throw badRequest(
      `phone_numbers: numbers from multiple countries (${list}); a port-in request holds numbers of one country, and the Porting API supports US numbers only`,
      22172
    );
  }
  const onlyCountry = [...countries.keys()][0];
  if (onlyCountry !== 'US') {
    throw badRequest(
      `phone_numbers: ${onlyCountry ?? 'unknown'} numbers cannot be ported with the Porting API; only United States numbers are supported`,
      22130
    );
  }
  if (tollFree.length > 0) {
    throw badRequest(
      `Toll-free numbers are not supported by the Porting API: ${listUpTo(tollFree)}. Port them through the Console (MANUAL_PORTING_AVAILABLE)`,
      22133
    );
  }
  if (duplicates.length > 0) {
    throw badRequest(`phone_numbers: duplicate phone numbers: ${listUpTo(duplicates)}; list each number once`);
  }
  const missing = [...needPin];
  if (pinRequired > 0 && (accountNumber == null || accountNumber.trim() === '')) {
    missing.unshift('losing_carrier_information.account_number');
  }
  if (missing.length > 0) {
    throw badRequest(
      `Missing required fields: ${listUpTo(missing)}. These numbers need the PIN and account number from the losing carrier (pin_and_account_number_required)`,
      22171
    );
  }
  return out;
}

const OFFSET_TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d)(?:\.\d{1,9})?)?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

function offsetTimeMinutes(field: string, value: string): number {
  const m = OFFSET_TIME.exec(value);
  if (!m) {
    throw badRequest(
      `${field}: '${value}' is not an ISO offset time (expected HH:MM:SS followed by Z or an offset, e.g. 10:15:00-08:00)`
    );
  }
  const offset = m[4] as string;
  const offsetMin =
    offset === 'Z' ? 0 : (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
  return Number(m[1]) * 60 + Number(m[2]) - offsetMin;
}

function checkTargetDate(
  date: string | null,
  start: string | null | undefined,
  end: string | null | undefined,
  ctx: ValidationContext
): void {
  const startMin = start ? offsetTimeMinutes('target_port_in_time_range_start', start) : null;
  const endMin = end ? offsetTimeMinutes('target_port_in_time_range_end', end) : null;
  if (startMin != null && endMin != null && endMin <= startMin) {
    throw badRequest(
      `target_port_in_time_range_end: '${end}' must be later than target_port_in_time_range_start '${start}' (compared in UTC)`
    );
  }
  if (date == null) return;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  const ms = m ? Date.parse(`${date}T00:00:00Z`) : NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== date) {
    throw badRequest(`target_port_in_date: '${date}' is not an ISO local date (expected YYYY-MM-DD, e.g. 2025-03-20)`);
  }
  const earliest = new Date(ctx.nowMs + 7 * DAY).toISOString().slice(0, 10);
  if (date < earliest) {
    throw badRequest(
      `target_port_in_date: ${date} is too soon; US ports need a target date at least 7 days in the future (today is ${isoSeconds(ctx.nowMs).slice(0, 10)}, earliest allowed ${earliest})`
    );
  }
}

function checkDocuments(documents: string[], ctx: ValidationContext): void {
  if (documents.length === 0) {
    throw invalidDocuments('documents is empty; give at least one RD… document SID of type utility_bill');
  }
  const problems: string[] = [];
  let utilityBills = 0;
  documents.forEach((sid, i) => {
    if (!isSid('RD', sid)) {
      problems.push(`documents[${i}] '${sid}' is not a document SID (expected RD followed by 32 hex digits)`);
      return;
    }
    const doc = ctx.documents.get(sid);
    if (!doc || doc.accountSid !== ctx.accountSid) {
      problems.push(`documents[${i}] ${sid} does not exist in account ${ctx.accountSid}`);
      return;
    }
    if (doc.documentType === 'utility_bill') utilityBills++;
  });
  if (problems.length > 0) throw invalidDocuments(listUpTo(problems));
  if (utilityBills === 0) {
    throw invalidDocuments(
      'none of the documents is of type utility_bill; upload the utility bill with POST /v1/Documents (document_type=utility_bill) first'
    );
  }
}

/**
 * The seed's error for documents, `400 {code: 400, message: "Invalid documents"}`, with what
 * exactly is wrong after the seed's words.
 */
function invalidDocuments(problem: string): ApiError {
  return badRequest(`Invalid documents: ${problem}`);
}

function checkAlreadyPorting(numbers: NewPortIn['numbers'], ctx: ValidationContext): void {
  const busy: string[] = [];
  for (const n of numbers) {
    const open = ctx.activeByPhone.get(n.phoneNumber);
    if (open) {
      busy.push(`${n.phoneNumber} is already in port-in request ${open.requestSid} (${open.status})`);
      continue;
    }
    const owner = ctx.ported.get(n.phoneNumber);
    if (owner) busy.push(`${n.phoneNumber} already belongs to account ${owner}`);
  }
  if (busy.length > 0) {
    throw badRequest(
      `ALREADY_IN_THE_TARGET_ACCOUNT: ${listUpTo(busy)}. Cancel the number in its current request (or let that request finish) before porting it again`,
      22131
    );
  }
}
