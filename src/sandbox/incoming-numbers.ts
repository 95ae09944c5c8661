import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ApiError, badRequest, notFound } from './api-error';
import type { SandboxCore } from './core';
import type { NumberType } from './scenarios';
import { isSid, newSid } from './sids';
import type { SandboxStore } from './store';

/**
 * After the port: the account's numbers (REST API 2010-04-01 IncomingPhoneNumbers, api.twilio.com)
 * and Messaging Service membership (messaging.twilio.com), on the sandbox's one port. Shapes and
 * parameters follow twilio-oai `twilio_api_v2010.json` and `twilio_messaging_v1.json`: JSON
 * answers, form-encoded PascalCase parameters, Twilio's `{code, message, more_info, status}` errors.
 */

/** A number of the account, as the sandbox keeps it (camelCase; the wire shape is built below). */
export interface IncomingNumberRecord {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  numberType: NumberType;
  voiceUrl: string | null;
  voiceMethod: string;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string;
  voiceApplicationSid: string | null;
  smsUrl: string | null;
  smsMethod: string;
  smsFallbackUrl: string | null;
  smsFallbackMethod: string;
  smsApplicationSid: string | null;
  statusCallback: string | null;
  statusCallbackMethod: string;
  createdAt: number;
  updatedAt: number;
  /** Simulated ms from which the number is listed (a port's number shows up shortly after Completed). */
  visibleAt: number;
}

export interface MessagingServiceRecord {
  sid: string;
  friendlyName: string;
  /** PN sid → when it joined. */
  numbers: Map<string, number>;
}

/** A refusal registered for one number: its updates (and service memberships) answer this error. */
export interface ConfigurationRefusal {
  status: number;
  code: number;
  message: string;
}

const API = '/2010-04-01';

/** `(415) 555-0100` for a NANP number, the number itself otherwise: the friendly name Twilio gives. */
export function defaultFriendlyName(phoneNumber: string): string {
  const m = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(phoneNumber);
  return m ? `(${m[1]}) ${m[2]}-${m[3]}` : phoneNumber;
}

/** Called when a port completes: the number joins the account `delayMs` (simulated) later. */
export function provisionIncomingNumber(
  store: SandboxStore,
  input: { accountSid: string; phoneNumber: string; numberType: NumberType; at: number; delayMs: number }
): IncomingNumberRecord {
  const existing = store.incomingByPhone.get(input.phoneNumber);
  if (existing && existing.accountSid === input.accountSid) return existing;
  const record: IncomingNumberRecord = {
    sid: newSid('PN'),
    accountSid: input.accountSid,
    phoneNumber: input.phoneNumber,
    friendlyName: defaultFriendlyName(input.phoneNumber),
    numberType: input.numberType,
    voiceUrl: null,
    voiceMethod: 'POST',
    voiceFallbackUrl: null,
    voiceFallbackMethod: 'POST',
    voiceApplicationSid: null,
    smsUrl: null,
    smsMethod: 'POST',
    smsFallbackUrl: null,
    smsFallbackMethod: 'POST',
    smsApplicationSid: null,
    statusCallback: null,
    statusCallbackMethod: 'POST',
    createdAt: input.at,
    updatedAt: input.at,
    visibleAt: input.at + Math.max(0, input.delayMs),
  };
  store.incomingNumbers.set(record.sid, record);
  store.incomingByPhone.set(record.phoneNumber, record);
  return record;
}

/** RFC 2822, as the 2010 API prints dates: `Thu, 30 Jul 2015 23:19:04 +0000`. */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

const uriOf = (r: IncomingNumberRecord) => `${API}/Accounts/${r.accountSid}/IncomingPhoneNumbers/${r.sid}.json`;

/** The `api.v2010.account.incoming_phone_number` JSON of a record. */
export function incomingNumberWire(r: IncomingNumberRecord): Record<string, unknown> {
  return {
    account_sid: r.accountSid,
    address_requirements: 'none',
    address_sid: null,
    api_version: '2010-04-01',
    beta: false,
    capabilities: { voice: true, sms: true, mms: r.numberType !== 'TOLL-FREE', fax: false },
    date_created: rfc2822(r.createdAt),
    date_updated: rfc2822(r.updatedAt),
    emergency_status: 'Inactive',
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    friendly_name: r.friendlyName,
    identity_sid: null,
    origin: 'twilio',
    phone_number: r.phoneNumber,
    sid: r.sid,
    // Unset values print as "" on these, null on the voice URLs: as in the spec's own examples.
    sms_application_sid: r.smsApplicationSid ?? '',
    sms_fallback_method: r.smsFallbackMethod,
    sms_fallback_url: r.smsFallbackUrl ?? '',
    sms_method: r.smsMethod,
    sms_url: r.smsUrl ?? '',
    status_callback: r.statusCallback ?? '',
    status_callback_method: r.statusCallbackMethod,
    trunk_sid: null,
    uri: uriOf(r),
    voice_application_sid: r.voiceApplicationSid ?? '',
    voice_caller_id_lookup: false,
    voice_fallback_method: r.voiceFallbackMethod,
    voice_fallback_url: r.voiceFallbackUrl,
    voice_method: r.voiceMethod,
    voice_url: r.voiceUrl,
    bundle_sid: null,
    voice_receive_mode: 'voice',
    status: 'in-use',
    type: r.numberType === 'TOLL-FREE' ? 'tollfree' : r.numberType.toLowerCase(),
  };
}

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | string[]> }>;

const pathOf = (req: FastifyRequest) => req.url.split('?')[0] ?? req.url;

function query(req: Req, name: string): string | undefined {
  const v = req.query[name];
  if (Array.isArray(v)) throw badRequest(`${name}: given ${v.length} times; give it once`);
  return v === '' ? undefined : v;
}

/** The form body of a 2010/Messaging POST; JSON is refused as Twilio's form-only APIs do. */
function formBody(req: FastifyRequest): Record<string, string> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new ApiError(
      415,
      415,
      `Content-Type '${type || '(none)'}' is not supported on ${req.method} ${pathOf(req)}; send application/x-www-form-urlencoded (PascalCase parameters)`
    );
  }
  return (req.body as Record<string, string> | undefined) ?? {};
}

/** The account in the path, which must be the sandbox's (Twilio answers another account's path with 20404 or 20003). */
function account(core: SandboxCore, req: Req): string {
  const sid = req.params.AccountSid ?? '';
  if (sid !== core.accountSid) {
    if (isSid('AC', sid)) {
      throw new ApiError(
        403,
        20003,
        `UNAUTHORIZED: you don't have access to the account ${sid} (the sandbox knows only ${core.accountSid})`
      );
    }
    throw notFound(pathOf(req));
  }
  return sid;
}

function visibleNumber(core: SandboxCore, req: Req): IncomingNumberRecord {
  const sid = (req.params.Sid ?? '').replace(/\.json$/, '');
  const r = isSid('PN', sid) ? core.store.incomingNumbers.get(sid) : undefined;
  if (!r || r.accountSid !== core.accountSid || r.visibleAt > core.clock.nowMs()) throw notFound(pathOf(req));
  return r;
}

const URL_FIELDS = ['VoiceUrl', 'VoiceFallbackUrl', 'SmsUrl', 'SmsFallbackUrl', 'StatusCallback'] as const;
const METHOD_FIELDS = [
  'VoiceMethod',
  'VoiceFallbackMethod',
  'SmsMethod',
  'SmsFallbackMethod',
  'StatusCallbackMethod',
] as const;
const SID_FIELDS = { VoiceApplicationSid: 'AP', SmsApplicationSid: 'AP' } as const;
const OTHER_FIELDS = ['FriendlyName', 'AccountSid', 'ApiVersion', 'VoiceCallerIdLookup'];

/**
 * Codes of Twilio's error dictionary the sandbox answers with: 21402 "Invalid URL", 21710 "Phone
 * Number is already in the Messaging Service" (from the dictionary's names; not checked against a
 * live account). Other validation errors use the HTTP status as code, like the rest of the sandbox.
 */
export const INVALID_URL_CODE = 21402;
export const ALREADY_IN_SERVICE_CODE = 21710;

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Applies a form update to a record, all or nothing: the first invalid parameter refuses the whole call. */
function applyUpdate(r: IncomingNumberRecord, form: Record<string, string>, now: number): void {
  const known = new Set<string>([...URL_FIELDS, ...METHOD_FIELDS, ...Object.keys(SID_FIELDS), ...OTHER_FIELDS]);
  for (const key of Object.keys(form)) {
    if (!known.has(key)) {
      // Twilio ignores parameters it does not know; a camelCase or snake_case spelling is almost surely a bug.
      if (/^[a-z]/.test(key)) {
        throw badRequest(
          `Unknown parameter '${key}': the 2010 API takes PascalCase form parameters such as VoiceUrl, SmsUrl, FriendlyName`
        );
      }
    }
  }
  for (const key of URL_FIELDS) {
    const v = form[key];
    if (v !== undefined && v !== '' && !isHttpUrl(v)) {
      throw badRequest(`${key} is not valid: '${v}' is not an absolute http(s) URL`, INVALID_URL_CODE);
    }
  }
  for (const key of METHOD_FIELDS) {
    const v = form[key];
    if (v !== undefined && !['GET', 'POST'].includes(v.toUpperCase())) {
      throw badRequest(`${key}: '${v}' is not an HTTP method; use GET or POST`);
    }
  }
  for (const [key, prefix] of Object.entries(SID_FIELDS)) {
    const v = form[key];
    if (v !== undefined && v !== '' && !isSid(prefix, v)) {
      throw badRequest(`${key}: '${v}' is not an Application SID (expected ${prefix} followed by 32 hex digits)`);
    }
  }
  const friendly = form.FriendlyName;
  if (friendly !== undefined && friendly.length > 64) {
    throw badRequest(`FriendlyName: at most 64 characters, got ${friendly.length}`);
  }
  const url = (v: string | undefined, old: string | null) => (v === undefined ? old : v === '' ? null : v);
  const method = (v: string | undefined, old: string) => (v === undefined ? old : v.toUpperCase());
  r.friendlyName = friendly === undefined ? r.friendlyName : friendly;
  r.voiceUrl = url(form.VoiceUrl, r.voiceUrl);
  r.voiceMethod = method(form.VoiceMethod, r.voiceMethod);
  r.voiceFallbackUrl = url(form.VoiceFallbackUrl, r.voiceFallbackUrl);
  r.voiceFallbackMethod = method(form.VoiceFallbackMethod, r.voiceFallbackMethod);
  r.voiceApplicationSid = url(form.VoiceApplicationSid, r.voiceApplicationSid);
  r.smsUrl = url(form.SmsUrl, r.smsUrl);
  r.smsMethod = method(form.SmsMethod, r.smsMethod);
  r.smsFallbackUrl = url(form.SmsFallbackUrl, r.smsFallbackUrl);
  r.smsFallbackMethod = method(form.SmsFallbackMethod, r.smsFallbackMethod);
  r.smsApplicationSid = url(form.SmsApplicationSid, r.smsApplicationSid);
  r.statusCallback = url(form.StatusCallback, r.statusCallback);
  r.statusCallbackMethod = method(form.StatusCallbackMethod, r.statusCallbackMethod);
  r.updatedAt = now;
}

function refusalError(refusal: ConfigurationRefusal): ApiError {
  return new ApiError(refusal.status, refusal.code, refusal.message);
}

/** Pages of the list: `Page` and `PageSize` (default 50, at most 1000), with Twilio's envelope. */
function listPage(core: SandboxCore, req: Req, accountSid: string): Record<string, unknown> {
  const phone = query(req, 'PhoneNumber');
  const friendly = query(req, 'FriendlyName');
  const sizeRaw = query(req, 'PageSize');
  const pageRaw = query(req, 'Page');
  const size = sizeRaw == null ? 50 : /^\d{1,4}$/.test(sizeRaw) ? Number(sizeRaw) : NaN;
  if (!Number.isInteger(size) || size < 1 || size > 1000) {
    throw badRequest(`PageSize: '${sizeRaw}' is not a page size; use an integer from 1 to 1000`);
  }
  const page = pageRaw == null ? 0 : /^\d{1,6}$/.test(pageRaw) ? Number(pageRaw) : NaN;
  if (!Number.isInteger(page)) throw badRequest(`Page: '${pageRaw}' is not a page number; use 0, 1, 2, …`);
  // Twilio matches PhoneNumber as a pattern: digits anywhere, `*` for any one character.
  const pattern =
    phone == null
      ? null
      : new RegExp(
          phone
            .replace(/[.+?^${}()|[\]\\]/g, (c) => `\\${c}`)
            .split('*')
            .join('.')
        );
  const now = core.clock.nowMs();
  const all = [...core.store.incomingNumbers.values()].filter(
    (r) =>
      r.accountSid === accountSid &&
      r.visibleAt <= now &&
      (pattern == null || pattern.test(r.phoneNumber)) &&
      (friendly == null || r.friendlyName === friendly)
  );
  const base = `${API}/Accounts/${accountSid}/IncomingPhoneNumbers.json`;
  const qs = (p: number) => {
    const params = new URLSearchParams();
    if (phone != null) params.set('PhoneNumber', phone);
    if (friendly != null) params.set('FriendlyName', friendly);
    params.set('PageSize', String(size));
    params.set('Page', String(p));
    return `${base}?${params.toString()}`;
  };
  const start = page * size;
  const items = all.slice(start, start + size);
  return {
    end: start + Math.max(0, items.length - 1),
    first_page_uri: qs(0),
    incoming_phone_numbers: items.map(incomingNumberWire),
    next_page_uri: start + size < all.length ? qs(page + 1) : null,
    page,
    page_size: size,
    previous_page_uri: page > 0 ? qs(page - 1) : null,
    start,
    uri: qs(page),
  };
}

export function registerIncomingNumbersApi(app: FastifyInstance, core: SandboxCore): void {
  app.get('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json', async (req: Req) =>
    listPage(core, req, account(core, req))
  );

  app.get('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid', async (req: Req) => {
    account(core, req);
    return incomingNumberWire(visibleNumber(core, req));
  });

  app.post('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid', async (req: Req) => {
    account(core, req);
    const form = formBody(req);
    const r = visibleNumber(core, req);
    const refusal = core.store.configurationRefusals.get(r.phoneNumber);
    if (refusal) throw refusalError(refusal);
    applyUpdate(r, form, core.clock.nowMs());
    return incomingNumberWire(r);
  });

  app.post('/v1/Services/:ServiceSid/PhoneNumbers', async (req: Req, reply) => {
    const form = formBody(req);
    const service = core.store.messagingServices.get(req.params.ServiceSid ?? '');
    if (!service) throw notFound(pathOf(req));
    const pn = form.PhoneNumberSid;
    if (pn === undefined || pn === '') throw badRequest('Missing required parameter PhoneNumberSid in the post body');
    if (!isSid('PN', pn)) {
      throw badRequest(`PhoneNumberSid: '${pn}' is not a Phone Number SID (expected PN followed by 32 hex digits)`);
    }
    const r = core.store.incomingNumbers.get(pn);
    if (!r || r.accountSid !== core.accountSid || r.visibleAt > core.clock.nowMs()) {
      throw notFound(`${API}/Accounts/${core.accountSid}/IncomingPhoneNumbers/${pn}.json`);
    }
    const refusal = core.store.configurationRefusals.get(r.phoneNumber);
    if (refusal) throw refusalError(refusal);
    if (service.numbers.has(pn)) {
      throw badRequest(
        `Phone Number ${r.phoneNumber} is already in the Messaging Service ${service.sid}`,
        ALREADY_IN_SERVICE_CODE
      );
    }
    const now = core.clock.nowMs();
    service.numbers.set(pn, now);
    return reply.status(201).send(serviceNumberWire(core, service, r, now));
  });

  app.get('/v1/Services/:ServiceSid/PhoneNumbers', async (req: Req) => {
    const service = core.store.messagingServices.get(req.params.ServiceSid ?? '');
    if (!service) throw notFound(pathOf(req));
    const numbers = [...service.numbers].flatMap(([pn, at]) => {
      const r = core.store.incomingNumbers.get(pn);
      return r ? [serviceNumberWire(core, service, r, at)] : [];
    });
    const url = `${core.baseUrl}/v1/Services/${service.sid}/PhoneNumbers?PageSize=50&Page=0`;
    return {
      phone_numbers: numbers,
      meta: {
        page: 0,
        page_size: 50,
        first_page_url: url,
        previous_page_url: null,
        url,
        next_page_url: null,
        key: 'phone_numbers',
      },
    };
  });
}

function serviceNumberWire(
  core: SandboxCore,
  service: MessagingServiceRecord,
  r: IncomingNumberRecord,
  at: number
): Record<string, unknown> {
  const iso = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    sid: r.sid,
    account_sid: r.accountSid,
    service_sid: service.sid,
    date_created: iso,
    date_updated: iso,
    phone_number: r.phoneNumber,
    country_code: 'US',
    capabilities: ['MMS', 'SMS', 'Voice'],
    url: `${core.baseUrl}/v1/Services/${service.sid}/PhoneNumbers/${r.sid}`,
  };
}
