import { z } from 'zod';

/**
 * Fault injection for the Twilio-API side (rate limits, 5xx, slow answers, answers lost after the
 * write committed, failed authentication, 404s) and for webhook delivery (duplicates, drops,
 * delays, reordering). A fault applies `times` times, first registered first, and never to
 * `/_sandbox` paths. An HTTP fault with `durationMs` instead applies to every matching request
 * for that many **real** milliseconds (an outage is something a client lives through in real
 * time, whatever the simulated clock's speed); with `times` as well, it ends at whichever comes
 * first.
 */

const regexSource = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a valid regular expression source' }
);
const times = z.number().int().min(1).max(1_000_000).default(1);
const delayMs = z.number().int().min(0).max(600_000);
/** Real milliseconds; at most one day. */
const durationMs = z.number().int().min(1).max(86_400_000).optional();
const method = z.enum(['GET', 'POST', 'DELETE']).optional();

/** Fields every HTTP fault shares. `times` has no default here: see {@link HttpFaultSpec}. */
const httpBase = {
  kind: z.literal('http'),
  method,
  pathPattern: regexSource.optional(),
  times: z.number().int().min(1).max(1_000_000).optional(),
  durationMs,
};

const httpFault = z.discriminatedUnion('fault', [
  z.object({
    ...httpBase,
    fault: z.literal('rate-limit'),
    retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
  }),
  z.object({
    ...httpBase,
    fault: z.literal('server-error'),
    status: z.number().int().min(500).max(599).default(500),
  }),
  z.object({ ...httpBase, fault: z.literal('slow'), delayMs }),
  z.object({ ...httpBase, fault: z.literal('lose-response'), delayMs: delayMs.default(30_000) }),
  /** 401 with code 20003, as Twilio answers credentials it does not accept. */
  z.object({ ...httpBase, fault: z.literal('auth-failure') }),
  /** 404 with code 20404, as Twilio answers a SID it does not know; a path pattern is required. */
  z.object({ ...httpBase, pathPattern: regexSource, fault: z.literal('not-found') }),
]);

const webhookFault = z.discriminatedUnion('fault', [
  z.object({
    kind: z.literal('webhook'),
    eventPattern: regexSource.optional(),
    times,
    fault: z.enum(['duplicate', 'drop']),
  }),
  z.object({
    kind: z.literal('webhook'),
    eventPattern: regexSource.optional(),
    times,
    fault: z.literal('delay'),
    delayMs,
  }),
  z.object({
    kind: z.literal('webhook'),
    eventPattern: regexSource.optional(),
    times,
    fault: z.literal('reorder'),
    /** How many events to hold before releasing them in reverse order. */
    count: z.number().int().min(2).max(10_000),
    /** Real ms after which a partial batch is released anyway. */
    maxHoldMs: z.number().int().min(1).max(600_000).default(10_000),
  }),
]);

/** Body of `POST /_sandbox/faults`. */
export const faultSpecSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('http') }),
  z.looseObject({ kind: z.literal('webhook') }),
]);

/** A fault as given to `POST /_sandbox/faults` (defaults not yet applied). */
export type FaultInput = z.input<typeof httpFault> | z.input<typeof webhookFault>;
export type HttpFaultSpec = z.infer<typeof httpFault>;
export type WebhookFaultSpec = z.infer<typeof webhookFault>;
export type FaultSpec = HttpFaultSpec | WebhookFaultSpec;

/** Parses a fault body; the error lists every problem by path. */
export function parseFaultSpec(body: unknown): { ok: true; spec: FaultSpec } | { ok: false; message: string } {
  const kind = faultSpecSchema.safeParse(body);
  if (!kind.success) return { ok: false, message: "kind: must be 'http' or 'webhook'" };
  const parsed = kind.data.kind === 'http' ? httpFault.safeParse(body) : webhookFault.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, spec: parsed.data };
}

export interface ActiveFault<S extends FaultSpec = FaultSpec> {
  id: string;
  spec: S;
  /** Uses left; `null` while a `durationMs` fault without `times` runs (every match until it expires). */
  remaining: number | null;
  /** Real epoch ms after which the fault no longer applies (`durationMs` faults only). */
  expiresAtMs: number | null;
  pattern: RegExp | null;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];
  private seq = 0;

  /** @param realNow real epoch ms; `durationMs` is measured on it, never on the simulated clock */
  constructor(private readonly realNow: () => number = Date.now) {}

  add(spec: FaultSpec): ActiveFault {
    const pattern = spec.kind === 'http' ? spec.pathPattern : spec.eventPattern;
    const duration = spec.kind === 'http' ? spec.durationMs : undefined;
    const fault: ActiveFault = {
      id: `FT${String(++this.seq).padStart(6, '0')}`,
      spec,
      remaining: spec.times ?? (duration == null ? 1 : null),
      expiresAtMs: duration == null ? null : this.realNow() + duration,
      pattern: pattern == null ? null : new RegExp(pattern),
    };
    this.faults.push(fault);
    return fault;
  }

  list(): ActiveFault[] {
    this.dropExpired();
    return [...this.faults];
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  clear(): void {
    this.faults = [];
  }

  /** Takes one use of the first HTTP fault matching `method` and `path` (no query string). */
  takeHttp(method: string, path: string): HttpFaultSpec | null {
    return this.take(
      (f): f is ActiveFault<HttpFaultSpec> =>
        f.spec.kind === 'http' &&
        (f.spec.method == null || f.spec.method === method) &&
        (f.pattern == null || f.pattern.test(path))
    );
  }

  /** Takes one use of the first webhook fault matching the event name. */
  takeWebhook(eventName: string): WebhookFaultSpec | null {
    return this.take(
      (f): f is ActiveFault<WebhookFaultSpec> =>
        f.spec.kind === 'webhook' && (f.pattern == null || f.pattern.test(eventName))
    );
  }

  private take<S extends FaultSpec>(match: (f: ActiveFault) => f is ActiveFault<S>): S | null {
    this.dropExpired();
    const f = this.faults.find(match);
    if (!f) return null;
    if (f.remaining != null) {
      f.remaining--;
      if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    }
    return f.spec as S;
  }

  private dropExpired(): void {
    const now = this.realNow();
    this.faults = this.faults.filter((f) => f.expiresAtMs == null || f.expiresAtMs > now);
  }
}
