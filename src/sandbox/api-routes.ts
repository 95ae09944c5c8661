import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { ApiError, badRequest } from './api-error';
import type { SandboxCore } from './core';
import { WEBHOOK_EVENT_NAMES } from './events';
import { REQUEST_STATUSES } from './model';
import type { WebhookConfiguration } from './model';
import { validatePortInCreate } from './port-in-validation';
import { NOT_PORTABLE_REASONS, scenarioFor } from './scenarios';
import { isSid, newSid } from './sids';
import {
  documentWire,
  phoneNumberWire,
  portabilityWire,
  portInSummaryWire,
  portInWire,
  webhookConfigWire,
} from './wire';

/**
 * Twilio's Porting API paths (numbers.twilio.com) and the Documents API (numbers-upload.twilio.com),
 * on one server. Auth, faults and latency are applied by hooks in server.ts before these run.
 */

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;

const ALLOWED_MIME = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/tiff',
  'image/bmp',
  'image/webp',
];

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | string[]> }>;

function pathOf(req: FastifyRequest): string {
  return req.url.split('?')[0] ?? req.url;
}

function requireJson(req: FastifyRequest): void {
  const type = String(req.headers['content-type'] ?? '');
  if (req.isMultipart() || type.startsWith('application/x-www-form-urlencoded')) {
    throw new ApiError(
      415,
      415,
      `Content-Type ${type.split(';')[0]} is not supported on ${req.method} ${pathOf(req)}; send application/json`
    );
  }
}

/** One query parameter as a string; repeated parameters are refused rather than guessed at. */
function queryParam(req: Req, name: string): string | undefined {
  const v = req.query[name];
  if (Array.isArray(v)) throw badRequest(`${name}: given ${v.length} times; give it once`);
  return v === '' ? undefined : v;
}

export function registerTwilioApi(app: FastifyInstance, core: SandboxCore): void {
  // ---- Portability -------------------------------------------------------------------------
  app.get('/v1/Porting/Portability/PhoneNumber/:PhoneNumber', async (req: Req) => {
    const phone = (req.params.PhoneNumber ?? '').trim();
    const target = queryParam(req, 'TargetAccountSid');
    const addressSid = queryParam(req, 'AddressSid');
    if (target != null && !isSid('AC', target)) {
      throw badRequest(`TargetAccountSid: '${target}' is not an Account SID (expected AC followed by 32 hex digits)`);
    }
    if (target != null && target !== core.accountSid) {
      throw new ApiError(
        403,
        20003,
        `UNAUTHORIZED: you don't have access to the account ${target} given in TargetAccountSid (the sandbox knows only ${core.accountSid})`
      );
    }
    if (addressSid != null && !isSid('AD', addressSid)) {
      throw badRequest(
        `AddressSid: '${addressSid}' is not an Address SID (expected AD followed by 32 hex digits)`,
        22173
      );
    }
    if (addressSid != null && !core.store.addresses.has(addressSid)) {
      throw badRequest(
        `AddressSid: ${addressSid} is not an Address of account ${core.accountSid} (register one with POST /_sandbox/addresses)`,
        22173
      );
    }
    const s = scenarioFor(phone);
    if (!s.validE164) {
      const body = portabilityWire(
        phone,
        s,
        { portable: false, code: 22102, reason: 'INVALID_PHONE_NUMBER', accountSid: null },
        core.wire
      );
      throw new ApiError(
        400,
        22102,
        `PhoneNumber: '${phone}' is not a valid E.164 phone number; resend the request with an E.164 number such as +14155550100 (URL-encode + as %2B)`,
        {},
        body
      );
    }
    let result = {
      portable: s.portable,
      code: s.notPortableReasonCode,
      reason: s.notPortableReason,
      accountSid: null as string | null,
    };
    if (s.portable) {
      const owner = core.store.ported.get(phone);
      if (owner)
        result = { portable: false, code: 22131, reason: NOT_PORTABLE_REASONS[22131] ?? null, accountSid: owner };
      else if (core.store.activeByPhone.has(phone)) {
        result = { portable: false, code: 22131, reason: NOT_PORTABLE_REASONS[22131] ?? null, accountSid: null };
      }
    }
    return portabilityWire(phone, s, result, core.wire);
  });

  // ---- Documents (numbers-upload host) -----------------------------------------------------
  app.post('/v1/Documents', async (req, reply) => {
    if (!req.isMultipart()) {
      throw new ApiError(
        415,
        415,
        `POST /v1/Documents takes multipart/form-data (fields document_type, friendly_name and File), got Content-Type '${req.headers['content-type'] ?? '(none)'}'`
      );
    }
    let documentType: string | undefined;
    let friendlyName: string | null = null;
    let file: { buffer: Buffer; mimetype: string; filename: string } | undefined;
    try {
      for await (const part of req.parts({ limits: { fileSize: MAX_DOCUMENT_BYTES, files: 1, fields: 20 } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'File') {
            part.file.resume();
            throw badRequest(
              `'${part.fieldname}' is not a field of POST /v1/Documents; the file goes in the field 'File' (capital F)`
            );
          }
          file = { buffer: await part.toBuffer(), mimetype: part.mimetype, filename: part.filename };
        } else if (part.fieldname === 'document_type') {
          documentType = String(part.value).trim();
        } else if (part.fieldname === 'friendly_name') {
          friendlyName = String(part.value);
        }
      }
    } catch (err) {
      // Busboy's parse errors carry no status; anything without one is the client's malformed body.
      if (err instanceof ApiError || (err as { statusCode?: number }).statusCode != null) throw err;
      throw badRequest(`Malformed multipart/form-data body: ${(err as Error).message}`);
    }
    const missing = [documentType ? null : 'document_type', file ? null : 'File'].filter(Boolean);
    if (missing.length > 0) throw badRequest(`Missing required fields: ${missing.join(', ')}`, 22171);
    if (!/^[a-z][a-z_]*$/.test(documentType as string)) {
      throw badRequest(`document_type: '${documentType}' is not a document type; use utility_bill for porting`);
    }
    const f = file as { buffer: Buffer; mimetype: string; filename: string };
    if (f.buffer.length === 0) throw badRequest('File: the uploaded file is empty');
    const mimeType = sniffMime(f.buffer) ?? f.mimetype;
    if (!ALLOWED_MIME.includes(mimeType)) {
      throw badRequest(
        `File: type '${mimeType}' is not accepted; upload a PDF or an image (${ALLOWED_MIME.join(', ')}) of at most 10 MB`
      );
    }
    if (mimeType === 'application/pdf' && f.buffer.includes('/Encrypt')) {
      throw badRequest('File: password-protected PDFs are not accepted; upload the bill without a password');
    }
    const doc = {
      sid: newSid('RD'),
      accountSid: core.accountSid,
      documentType: documentType as string,
      friendlyName,
      mimeType,
      size: f.buffer.length,
      createdAt: core.clock.nowMs(),
    };
    core.store.documents.set(doc.sid, doc);
    return reply.status(201).send(documentWire(doc, core.wire));
  });

  app.get('/v1/Documents/:sid', async (req: Req) => {
    const sid = req.params.sid ?? '';
    const doc = isSid('RD', sid) ? core.store.documents.get(sid) : undefined;
    if (!doc || doc.accountSid !== core.accountSid)
      throw new ApiError(404, 20404, `The requested resource ${pathOf(req)} was not found`);
    return documentWire(doc, core.wire);
  });

  // ---- PortIn ------------------------------------------------------------------------------
  app.post('/v1/Porting/PortIn', async (req, reply) => {
    requireJson(req);
    const input = validatePortInCreate(req.body, {
      accountSid: core.accountSid,
      nowMs: core.clock.nowMs(),
      documents: core.store.documents,
      activeByPhone: core.store.activeByPhone,
      ported: core.store.ported,
      addresses: core.store.addresses,
    });
    const created = core.carrier.create(input);
    core.logger.info(`port-in ${created.sid} created with ${created.numbers.length} number(s)`);
    return reply.status(202).send(portInWire(created, core.wire));
  });

  app.get('/v1/Porting/PortIn/PortInRequests', async (req: Req) => listPortIns(core, req));

  app.get('/v1/Porting/PortIn/:sid', async (req: Req) =>
    portInWire(core.request(req.params.sid ?? '', pathOf(req)), core.wire)
  );

  app.delete('/v1/Porting/PortIn/:sid', async (req: Req, reply: FastifyReply) => {
    const pi = core.request(req.params.sid ?? '', pathOf(req));
    core.carrier.cancelRequest(pi);
    return reply.status(204).send();
  });

  app.get('/v1/Porting/PortIn/:sid/PhoneNumber/:pu', async (req: Req) => {
    const pi = core.request(req.params.sid ?? '', pathOf(req));
    const pu = req.params.pu ?? '';
    if (!isSid('PU', pu)) throw new ApiError(404, 20404, `The requested resource ${pathOf(req)} was not found`);
    return phoneNumberWire(pi, core.number(pi, pu, pathOf(req)), core.wire);
  });

  app.delete('/v1/Porting/PortIn/:sid/PhoneNumber/:pu', async (req: Req, reply: FastifyReply) => {
    const pi = core.request(req.params.sid ?? '', pathOf(req));
    const pu = req.params.pu ?? '';
    if (!isSid('PU', pu)) throw new ApiError(404, 20404, `The requested resource ${pathOf(req)} was not found`);
    core.carrier.cancelNumber(pi, core.number(pi, pu, pathOf(req)));
    return reply.status(204).send();
  });

  // ---- Webhook configuration ---------------------------------------------------------------
  app.post('/v1/Porting/Configuration/Webhook', async (req, reply) => {
    requireJson(req);
    const body = parseWebhookConfig(req.body);
    const now = core.clock.nowMs();
    const previous = core.store.webhookConfigs.get(core.accountSid);
    const next: WebhookConfiguration = {
      portInTargetUrl:
        body.port_in_target_url !== undefined ? body.port_in_target_url : (previous?.portInTargetUrl ?? null),
      portOutTargetUrl:
        body.port_out_target_url !== undefined ? body.port_out_target_url : (previous?.portOutTargetUrl ?? null),
      notificationsOf: body.notifications_of ?? previous?.notificationsOf ?? [],
      portInTargetDateCreated: previous?.portInTargetDateCreated ?? null,
      portOutTargetDateCreated: previous?.portOutTargetDateCreated ?? null,
    };
    if (!next.portInTargetUrl && !next.portOutTargetUrl) {
      throw badRequest(
        'Missing required fields: port_in_target_url or port_out_target_url (at least one target URL)',
        22171
      );
    }
    if (next.portInTargetUrl !== (previous?.portInTargetUrl ?? null))
      next.portInTargetDateCreated = next.portInTargetUrl ? now : null;
    if (next.portOutTargetUrl !== (previous?.portOutTargetUrl ?? null))
      next.portOutTargetDateCreated = next.portOutTargetUrl ? now : null;
    core.store.webhookConfigs.set(core.accountSid, next);
    return reply.status(201).send(webhookConfigWire(next, core.wire, false));
  });

  app.get('/v1/Porting/Configuration/Webhook', async (req) => {
    const c = core.store.webhookConfigs.get(core.accountSid);
    if (!c || (!c.portInTargetUrl && !c.portOutTargetUrl)) {
      throw new ApiError(
        404,
        20404,
        `The requested resource ${pathOf(req)} was not found: no porting webhook is configured`
      );
    }
    return webhookConfigWire(c, core.wire, true);
  });

  app.delete('/v1/Porting/Configuration/Webhook/:type', async (req: Req, reply: FastifyReply) => {
    const type = req.params.type ?? '';
    const c = core.store.webhookConfigs.get(core.accountSid);
    if (type === 'PORT_IN') {
      if (c) Object.assign(c, { portInTargetUrl: null, portInTargetDateCreated: null });
    } else if (type === 'PORT_OUT') {
      if (c) Object.assign(c, { portOutTargetUrl: null, portOutTargetDateCreated: null });
    } else {
      throw badRequest(`WebhookType: '${type}' is not a webhook type; use PORT_IN or PORT_OUT`);
    }
    return reply.status(204).send();
  });
}

const webhookConfigSchema = z
  .object({
    port_in_target_url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).nullish(),
    port_out_target_url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).nullish(),
    notifications_of: z
      .array(z.enum(WEBHOOK_EVENT_NAMES, { message: `must be one of ${WEBHOOK_EVENT_NAMES.join(', ')}` }))
      .optional(),
  })
  .strict();

function parseWebhookConfig(body: unknown): z.infer<typeof webhookConfigSchema> {
  if (body == null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('Request body must be a JSON object: {port_in_target_url, port_out_target_url, notifications_of}');
  }
  const camel: Record<string, string> = {
    portInTargetUrl: 'port_in_target_url',
    portOutTargetUrl: 'port_out_target_url',
    notificationsOf: 'notifications_of',
  };
  const wrong = Object.keys(body).filter((k) => camel[k]);
  if (wrong.length > 0) {
    throw badRequest(
      `Unknown field${wrong.length > 1 ? 's' : ''} ${wrong.map((k) => `'${k}' (use '${camel[k]}')`).join(', ')}: the Porting API takes snake_case JSON keys (twilio-node issue #1190)`
    );
  }
  const parsed = webhookConfigSchema.safeParse(body);
  if (!parsed.success) {
    throw badRequest(
      parsed.error.issues
        .map((i) =>
          i.code === 'unrecognized_keys'
            ? `unknown field(s) ${i.keys.join(', ')}; allowed: port_in_target_url, port_out_target_url, notifications_of`
            : `${i.path
                .map(String)
                .join('.')
                .replace(/\.(\d+)/g, '[$1]')}: ${i.message}`
        )
        .join('; ')
    );
  }
  return parsed.data;
}

const DATE_OR_DATETIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

function parseCreated(name: string, value: string | undefined): number | null {
  if (value == null) return null;
  const ms = DATE_OR_DATETIME.test(value) ? Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value) : NaN;
  if (Number.isNaN(ms))
    throw badRequest(`${name}: '${value}' is not a date (expected YYYY-MM-DD or an ISO 8601 date-time)`);
  return ms;
}

function normalizeStatus(s: string): string {
  return s
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

/** Token paging over requests in creation order: `Token` is the SID the page starts at. */
function listPortIns(core: SandboxCore, req: Req): Record<string, unknown> {
  const after = parseCreated('CreatedAfter', queryParam(req, 'CreatedAfter'));
  const before = parseCreated('CreatedBefore', queryParam(req, 'CreatedBefore'));
  const statusRaw = queryParam(req, 'PortInRequestStatus');
  const status = statusRaw == null ? null : normalizeStatus(statusRaw);
  if (status != null && !(REQUEST_STATUSES as readonly string[]).includes(status)) {
    throw badRequest(
      `PortInRequestStatus: '${statusRaw}' is not a port-in request status; use one of In Review, Waiting for Signature, In Progress, Action Required, Completed, Canceling, Canceled, Expired`
    );
  }
  const sidsRaw = queryParam(req, 'PortInRequestSid');
  const sids =
    sidsRaw == null
      ? null
      : new Set(
          sidsRaw
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        );
  for (const sid of sids ?? []) {
    if (!isSid('KW', sid))
      throw badRequest(
        `PortInRequestSid: '${sid}' is not a port-in request SID (expected KW followed by 32 hex digits)`
      );
  }
  const sizeRaw = queryParam(req, 'Size');
  const size = sizeRaw == null ? 20 : /^\d{1,4}$/.test(sizeRaw) ? Number(sizeRaw) : NaN;
  if (!Number.isInteger(size) || size < 1 || size > 100) {
    throw badRequest(`Size: '${sizeRaw}' is not a page size; use an integer from 1 to 100 and page with Token`);
  }
  const token = queryParam(req, 'Token');
  const all = core.store.requestOrder.filter(
    (r) =>
      r.accountSid === core.accountSid &&
      (after == null || r.createdAt >= after) &&
      (before == null || r.createdAt < before) &&
      (status == null || r.status === status) &&
      (sids == null || sids.has(r.sid))
  );
  let start = 0;
  if (token != null) {
    start = all.findIndex((r) => r.sid === token);
    if (start === -1)
      throw badRequest(
        `Token: '${token}' does not start a page of this listing; use meta.next_token of the previous page`
      );
  }
  const page = all.slice(start, start + size);
  return {
    meta: {
      next_token: all[start + size]?.sid ?? null,
      previous_token: start > 0 ? (all[Math.max(0, start - size)]?.sid ?? null) : null,
    },
    port_in_requests: page.map((r) => portInSummaryWire(r, core.wire)),
  };
}

/** The type a file's first bytes say it is, or null when unknown. */
export function sniffMime(buf: Buffer): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => buf[i] === b);
  if (buf.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'image/png';
  if (buf.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return 'image/tiff';
  if (starts(0x42, 0x4d)) return 'image/bmp';
  if (buf.subarray(0, 4).toString('latin1') === 'RIFF' && buf.subarray(8, 12).toString('latin1') === 'WEBP')
    return 'image/webp';
  return null;
}
