import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { ApiError } from './api-error';
import { DEFAULT_TIMELINE } from './carrier';
import type { SandboxCore } from './core';
import { parseFaultSpec } from './faults';
import type { ActiveFault } from './faults';
import { incomingNumberWire } from './incoming-numbers';
import { isoSeconds } from './sids';
import { phoneNumberWire, portInWire } from './wire';

/**
 * The sandbox's own control API under `/_sandbox` (no auth, JSON, zod-validated): the clock, the
 * LOA signature and the carrier's answers, webhook history, settings, faults, reset. Errors are
 * `{status, message}`.
 */

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string> }>;

const nonNegative = z.number().finite().min(0);

const advanceSchema = z
  .object({
    ms: nonNegative.optional(),
    minutes: nonNegative.optional(),
    hours: nonNegative.optional(),
    days: nonNegative.optional(),
  })
  .strict()
  .refine((b) => b.ms != null || b.minutes != null || b.hours != null || b.days != null, {
    message: 'give at least one of ms, minutes, hours, days',
  });

const addressSchema = z
  .object({
    street: z.string().trim().min(1),
    street_2: z.string().nullish(),
    city: z.string().trim().min(1),
    state: z.string().trim().min(1),
    zip: z.string().trim().min(1),
    country: z.string().trim().min(1),
  })
  .strict();

const scaleSchema = z.object({ scale: z.number().finite().min(0).max(1e9) }).strict();

const rejectSchema = z.object({ code: z.number().int().min(22150).max(22159).optional() }).strict();

const confirmSchema = z
  .object({
    portDate: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2025-03-20T17:00:00Z' })
      .optional(),
  })
  .strict();

const durations = z
  .number()
  .int()
  .min(0)
  .max(10 * 365 * 86_400_000);
const settingsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    autoSign: z.boolean().optional(),
    quirks: z.boolean().optional(),
    timeline: z
      .object({
        reviewMs: durations.optional(),
        autoSignMs: durations.optional(),
        carrierResponseMs: durations.optional(),
        slowCarrierResponseMs: durations.optional(),
        portDateMs: durations.optional(),
        expiryMs: durations.optional(),
        cancelMs: durations.optional(),
        provisionMs: durations.optional(),
      })
      .strict()
      .optional(),
    webhookRetry: z
      .object({
        attempts: z.number().int().min(1).max(100).optional(),
        baseDelayMs: z.number().int().min(0).max(600_000).optional(),
        timeoutMs: z.number().int().min(1).max(600_000).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const messagingServiceSchema = z.object({ friendlyName: z.string().trim().min(1).max(64).optional() }).strict();

const refusalSchema = z
  .object({
    phoneNumber: z.string().regex(/^\+[1-9]\d{1,14}$/, { message: 'must be an E.164 number such as +14155550100' }),
    status: z.number().int().min(400).max(599).optional(),
    code: z.number().int().min(1).optional(),
    message: z.string().min(1).optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((i) => {
        const path = i.path.map(String).join('.');
        if (i.code === 'unrecognized_keys') return `unknown field(s) ${i.keys.join(', ')}`;
        return path ? `${path}: ${i.message}` : i.message;
      })
      .join('; ');
    throw new ApiError(400, 400, message);
  }
  return parsed.data;
}

function clockView(core: SandboxCore): { now: string; scale: number } {
  return { now: core.clock.now().toISOString(), scale: core.clock.scale };
}

export function registerControlApi(app: FastifyInstance, core: SandboxCore): void {
  const path = (req: FastifyRequest) => req.url.split('?')[0] ?? req.url;

  app.get('/_sandbox/health', async () => ({ ok: true }));

  app.get('/_sandbox/clock', async () => clockView(core));

  app.post('/_sandbox/clock/advance', async (req) => {
    const b = parse(advanceSchema, req.body);
    const ms = (b.ms ?? 0) + (b.minutes ?? 0) * 60_000 + (b.hours ?? 0) * 3_600_000 + (b.days ?? 0) * 86_400_000;
    const processed = core.advance(Math.round(ms));
    return { ...clockView(core), advancedMs: Math.round(ms), processed };
  });

  app.post('/_sandbox/clock', async (req) => {
    const b = parse(scaleSchema, req.body);
    core.clock.setScale(b.scale);
    return clockView(core);
  });

  // Twilio's Address resource lives on another API (api.twilio.com); the sandbox only needs AD SIDs to exist.
  app.post('/_sandbox/addresses', async (req, reply) => {
    const b = parse(addressSchema, req.body);
    const sid = core.addAddress({ ...b, street_2: b.street_2 ?? null });
    return reply.status(201).send({ sid, ...core.store.addresses.get(sid) });
  });

  app.get('/_sandbox/addresses', async () => ({
    addresses: [...core.store.addresses].map(([sid, a]) => ({ sid, ...a })),
  }));

  // Messaging Services live on messaging.twilio.com; the sandbox only needs MG SIDs to exist.
  app.post('/_sandbox/messaging-services', async (req, reply) => {
    const b = parse(messagingServiceSchema, req.body);
    const sid = core.addMessagingService(b.friendlyName);
    const service = core.store.messagingServices.get(sid)!;
    return reply.status(201).send({ sid, friendlyName: service.friendlyName, phoneNumberSids: [] });
  });

  app.get('/_sandbox/messaging-services', async () => ({
    messagingServices: [...core.store.messagingServices.values()].map((m) => ({
      sid: m.sid,
      friendlyName: m.friendlyName,
      phoneNumberSids: [...m.numbers.keys()],
    })),
  }));

  app.get('/_sandbox/incoming-phone-numbers', async () => ({
    incoming_phone_numbers: [...core.store.incomingNumbers.values()].map(incomingNumberWire),
  }));

  app.post('/_sandbox/incoming-phone-numbers/refusals', async (req, reply) => {
    const b = parse(refusalSchema, req.body);
    const { phoneNumber, ...refusal } = b;
    core.refuseConfiguration(phoneNumber, refusal);
    return reply.status(201).send({ phoneNumber, ...core.store.configurationRefusals.get(phoneNumber) });
  });

  app.delete('/_sandbox/incoming-phone-numbers/refusals/:phoneNumber', async (req: Req, reply) => {
    core.refuseConfiguration(decodeURIComponent(req.params.phoneNumber ?? ''), null);
    return reply.status(204).send();
  });

  app.get('/_sandbox/port-ins', async () => ({
    port_ins: core.store.requestOrder.map((r) => portInWire(r, core.wire)),
  }));

  app.get('/_sandbox/port-ins/:sid/loa', async (req: Req) => {
    const pi = core.request(req.params.sid ?? '', path(req));
    return {
      port_in_request_sid: pi.sid,
      port_in_request_status: pi.status,
      authorized_representative: pi.losingCarrier.authorizedRepresentative,
      authorized_representative_email: pi.losingCarrier.authorizedRepresentativeEmail,
      phone_numbers: pi.numbers.map((n) => n.phoneNumber),
      signed_at: pi.signedAt == null ? null : isoSeconds(pi.signedAt),
      sign: `POST ${core.baseUrl}/_sandbox/port-ins/${pi.sid}/sign`,
    };
  });

  app.post('/_sandbox/port-ins/:sid/sign', async (req: Req) => {
    const pi = core.request(req.params.sid ?? '', path(req));
    core.carrier.sign(pi);
    return portInWire(pi, core.wire);
  });

  app.post('/_sandbox/port-ins/:sid/numbers/:ref/reject', async (req: Req) => {
    const b = parse(rejectSchema, req.body);
    const pi = core.request(req.params.sid ?? '', path(req));
    const n = core.number(pi, req.params.ref ?? '', path(req));
    core.carrier.reject(pi, n, b.code ?? n.scenario.rejectionCode ?? 22150);
    return phoneNumberWire(pi, n, core.wire);
  });

  app.post('/_sandbox/port-ins/:sid/numbers/:ref/confirm', async (req: Req) => {
    const b = parse(confirmSchema, req.body);
    const pi = core.request(req.params.sid ?? '', path(req));
    const n = core.number(pi, req.params.ref ?? '', path(req));
    const now = core.clock.nowMs();
    core.carrier.confirm(pi, n, b.portDate ? Date.parse(b.portDate) : core.carrier.portDateFor(pi, now), now);
    core.catchUp();
    return phoneNumberWire(pi, n, core.wire);
  });

  app.post('/_sandbox/port-ins/:sid/numbers/:ref/complete', async (req: Req) => {
    const pi = core.request(req.params.sid ?? '', path(req));
    const n = core.number(pi, req.params.ref ?? '', path(req));
    core.carrier.complete(pi, n);
    return phoneNumberWire(pi, n, core.wire);
  });

  app.get('/_sandbox/webhooks', async (req: Req) => {
    const q = req.query;
    return {
      deliveries: core.notifier.list({
        event: q.event || undefined,
        status: q.status || undefined,
        portInRequestSid: q.port_in_request_sid || undefined,
      }),
    };
  });

  app.post('/_sandbox/reset', async () => {
    core.reset();
    return { ok: true, ...clockView(core) };
  });

  app.get('/_sandbox/settings', async () => core.settings);

  app.post('/_sandbox/settings', async (req) => {
    const b = parse(settingsSchema, req.body);
    const s = core.settings;
    core.settings = {
      quirks: b.quirks ?? s.quirks,
      autoSign: b.autoSign ?? s.autoSign,
      latencyMs: b.latencyMs ?? s.latencyMs,
      timeline: { ...DEFAULT_TIMELINE, ...s.timeline, ...b.timeline },
      webhookRetry: { ...s.webhookRetry, ...b.webhookRetry },
    };
    return core.settings;
  });

  app.post('/_sandbox/faults', async (req, reply) => {
    const parsed = parseFaultSpec(req.body);
    if (!parsed.ok) throw new ApiError(400, 400, parsed.message);
    const fault = core.faults.add(parsed.spec);
    return reply.status(201).send(faultView(fault));
  });

  app.get('/_sandbox/faults', async () => ({
    faults: core.faults.list().map(faultView),
  }));

  app.delete('/_sandbox/faults', async (_req, reply) => {
    core.faults.clear();
    return reply.status(204).send();
  });

  app.delete('/_sandbox/faults/:id', async (req: Req, reply) => {
    if (!core.faults.remove(req.params.id ?? '')) throw new ApiError(404, 404, `No fault with id '${req.params.id}'`);
    return reply.status(204).send();
  });
}

/** A fault as the control API shows it: `remaining` is null while a `durationMs` fault has no `times`. */
function faultView(f: ActiveFault): Record<string, unknown> {
  return {
    id: f.id,
    remaining: f.remaining,
    expiresAt: f.expiresAtMs == null ? null : new Date(f.expiresAtMs).toISOString(),
    ...f.spec,
  };
}
