/**
 * Magic test numbers of the sandbox, in the spirit of Twilio's test credentials: the last four
 * digits of a `+1NPA555SSSS` number choose what the simulated losing carrier does with it. Every
 * other valid US number is a plain portable LOCAL number. This module is pure data + functions
 * so tests, docs and the demo can share one source of truth.
 */

import { countryOfNumber } from './countries';

/** `number_type` values of the Portability resource. */
export type NumberType = 'LOCAL' | 'MOBILE' | 'TOLL-FREE' | 'UNKNOWN';

/** What a scenario row makes the sandbox do. */
export type ScenarioKind =
  | 'portable'
  | 'not-portable'
  | 'pin-required'
  | 'carrier-rejects'
  | 'slow-carrier'
  | 'loa-never-signed'
  | 'mobile'
  | 'toll-free'
  | 'non-us'
  | 'invalid';

/** One row of the scenario table (`SSSS` = the last four digits of `+1NPA555SSSS`). */
export interface ScenarioRow {
  /** First suffix of the range, inclusive, four digits. */
  from: string;
  /** Last suffix of the range, inclusive, four digits. */
  to: string;
  kind: ScenarioKind;
  /** One-line description, used in docs/sandbox.md. */
  summary: string;
}

/** Reason names for not-portable codes, from the Portability seed. */
export const NOT_PORTABLE_REASONS: Readonly<Record<number, string>> = {
  22102: 'INVALID_PHONE_NUMBER',
  22130: 'UNSUPPORTED',
  22131: 'ALREADY_IN_THE_TARGET_ACCOUNT',
  22132: 'ALREADY_IN_TWILIO_DIFFERENT_OWNER',
  22133: 'MANUAL_PORTING_AVAILABLE',
  22135: 'ERROR_INTERNAL_SERVER_ERROR',
  22136: 'ALREADY_IN_ONE_OF_YOUR_TWILIO_ACCOUNTS',
  22171: 'MISSING_REQUIRED_FIELDS',
};

/** Losing-carrier rejection reasons (reference §4 table), keyed by `rejection_reason_code`. */
export const REJECTION_REASONS: Readonly<Record<number, string>> = {
  22150: 'Contact support required: the losing carrier returned an error porting operations must resolve',
  22151: 'Phone number has carrier restrictions (freeze or billing)',
  22152: 'Phone number is inactive or disconnected',
  22153: 'Invalid end-user (authorized representative) name',
  22154: 'Invalid address: it does not match the losing carrier record',
  22155: 'Invalid PIN',
  22156: 'Invalid account number',
  22157: 'Invalid subscription right',
  22158: 'Port date rejected by the losing carrier (holiday or maintenance window)',
  22159: 'Phone number is not portable according to the losing carrier',
};

/** The scenario table, in the order docs/sandbox.md shows it. */
export const SCENARIO_TABLE: readonly ScenarioRow[] = [
  { from: '0102', to: '0102', kind: 'not-portable', summary: 'not portable: 22102 INVALID_PHONE_NUMBER' },
  {
    from: '0130',
    to: '0136',
    kind: 'not-portable',
    summary: 'not portable with reason code 22130–22136 (22134 has no name in the seed: answered as 22130 UNSUPPORTED)',
  },
  {
    from: '0150',
    to: '0159',
    kind: 'carrier-rejects',
    summary:
      'portable LOCAL; the carrier rejects it with 22150–22159 on first submission and accepts it when it is submitted again in a new request',
  },
  { from: '0200', to: '0209', kind: 'pin-required', summary: 'portable MOBILE, pin_and_account_number_required: true' },
  {
    from: '0300',
    to: '0309',
    kind: 'slow-carrier',
    summary: 'portable LOCAL, slow carrier: FOC 10 simulated days after submission instead of 1',
  },
  {
    from: '0400',
    to: '0409',
    kind: 'loa-never-signed',
    summary: 'portable LOCAL, the LOA is never auto-signed: the request expires after 30 simulated days',
  },
  { from: '0500', to: '0599', kind: 'mobile', summary: 'portable MOBILE (no PIN required)' },
];

/** Toll-free area codes of the NANP: such numbers are not portable through the API (22133). */
export const TOLL_FREE_NPAS: readonly string[] = ['800', '833', '844', '855', '866', '877', '888'];

/** Everything the sandbox decides about one phone number. */
export interface Scenario {
  kind: ScenarioKind;
  phoneNumber: string;
  /** True when the input is E.164 and, for +1 numbers, a well-formed NANP number. */
  validE164: boolean;
  /** ISO country of the number, or null when it cannot be told. */
  country: string | null;
  numberType: NumberType;
  portable: boolean;
  pinAndAccountNumberRequired: boolean;
  notPortableReasonCode: number | null;
  notPortableReason: string | null;
  /** The code the carrier rejects the first submission with (01 5x), else null. */
  rejectionCode: number | null;
  /** FOC takes `slowCarrierResponseMs` instead of `carrierResponseMs` (03xx). */
  slowCarrier: boolean;
  /** The LOA is never auto-signed (04xx). */
  loaNeverSigned: boolean;
}

const E164 = /^\+[1-9]\d{1,14}$/;
// NANP: area code and exchange start with 2-9; area codes with 9 as middle digit and N11 codes are not assigned.
const NANP = /^\+1([2-9]\d{2})([2-9]\d{2})(\d{4})$/;

function isValidNpa(npa: string): boolean {
  return npa[1] !== '9' && !(npa[1] === '1' && npa[2] === '1');
}

function base(phoneNumber: string): Scenario {
  return {
    kind: 'portable',
    phoneNumber,
    validE164: true,
    country: 'US',
    numberType: 'LOCAL',
    portable: true,
    pinAndAccountNumberRequired: false,
    notPortableReasonCode: null,
    notPortableReason: null,
    rejectionCode: null,
    slowCarrier: false,
    loaNeverSigned: false,
  };
}

function notPortable(s: Scenario, code: number, kind: ScenarioKind, numberType: NumberType): Scenario {
  return {
    ...s,
    kind,
    numberType,
    portable: false,
    notPortableReasonCode: code,
    notPortableReason: NOT_PORTABLE_REASONS[code] ?? 'UNSUPPORTED',
  };
}

/**
 * Decides the scenario of a phone number. Never throws: malformed input comes back with
 * `validE164: false` and reason 22102, which callers turn into a 400.
 */
export function scenarioFor(phoneNumber: string): Scenario {
  const s = base(phoneNumber);
  if (!E164.test(phoneNumber)) {
    return { ...notPortable(s, 22102, 'invalid', 'UNKNOWN'), validE164: false, country: null };
  }
  // The Portability seed answers +18001234567 as toll-free although its exchange (123) is not a
  // valid NANP exchange: a toll-free number only needs ten digits after +1.
  if (/^\+1\d{10}$/.test(phoneNumber) && TOLL_FREE_NPAS.includes(phoneNumber.slice(2, 5))) {
    return notPortable(s, 22133, 'toll-free', 'TOLL-FREE');
  }
  const nanp = NANP.exec(phoneNumber);
  if (phoneNumber.startsWith('+1') && (!nanp || !isValidNpa(nanp[1] as string))) {
    return { ...notPortable(s, 22102, 'invalid', 'UNKNOWN'), validE164: false, country: null };
  }
  // "Country available: United States" (PortIn seed): Canada, the Caribbean and the territories too are refused.
  const country = countryOfNumber(phoneNumber);
  if (country !== 'US') {
    return { ...notPortable(s, 22130, 'non-us', 'UNKNOWN'), country };
  }
  const [, , exchange, line] = nanp as unknown as [string, string, string, string];
  if (exchange !== '555') return s;

  const n = Number(line);
  if (n === 102) return notPortable(s, 22102, 'not-portable', 'UNKNOWN');
  if (n >= 130 && n <= 136) {
    // The seed names no reason for 22134; the brief allows answering it like 22130.
    const code = n === 134 ? 22130 : 22000 + n;
    return notPortable(s, code, 'not-portable', 'LOCAL');
  }
  if (n >= 150 && n <= 159) return { ...s, kind: 'carrier-rejects', rejectionCode: 22000 + n };
  if (n >= 200 && n <= 209) {
    return { ...s, kind: 'pin-required', numberType: 'MOBILE', pinAndAccountNumberRequired: true };
  }
  if (n >= 300 && n <= 309) return { ...s, kind: 'slow-carrier', slowCarrier: true };
  if (n >= 400 && n <= 409) return { ...s, kind: 'loa-never-signed', loaNeverSigned: true };
  if (n >= 500 && n <= 599) return { ...s, kind: 'mobile', numberType: 'MOBILE' };
  return s;
}

/**
 * Builds a magic number: `sandboxNumber('0150')` is `+14155550150`.
 * @param suffix the four digits `SSSS` from {@link SCENARIO_TABLE}
 * @param npa a US area code, `415` by default
 */
export function sandboxNumber(suffix: string, npa = '415'): string {
  if (!/^\d{4}$/.test(suffix)) throw new Error(`sandboxNumber: suffix must be four digits, got "${suffix}"`);
  if (!/^[2-9]\d{2}$/.test(npa)) throw new Error(`sandboxNumber: npa must be a US area code, got "${npa}"`);
  return `+1${npa}555${suffix}`;
}
