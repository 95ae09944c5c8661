import { z } from 'zod';

/**
 * A port-in order: what a backend service (or `npm run start -- start --order file.json`) hands
 * portflow. One order is one workflow execution; `orderId` is the caller's business key and the
 * workflow id, so starting it twice never makes two.
 *
 * Checked here for shape; the Twilio rules (E.164, US only, 7 days ahead, …) are checked by the
 * client's validator before the workflow starts (see `validateOrder` in src/order-validation.ts).
 */

const e164 = z.string().regex(/^\+[1-9]\d{1,14}$/, { message: 'expected E.164, e.g. +14155550100' });
const offsetTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d([+-]([01]\d|2[0-3]):[0-5]\d|Z)$/, {
  message: 'expected an ISO offset time HH:MM:SS±HH:MM or HH:MM:SSZ, e.g. 10:15:00-08:00',
});
const durationText = z.string().regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/, {
  message: 'expected a duration such as "30s", "6h" or "5 days"',
});

/**
 * An object that refuses keys it does not know, by name: a misspelt `targetPortInDateTime` or a
 * `pin` at the wrong level would otherwise be dropped without a word.
 */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; allowed: ${allowed}`
        : undefined,
  });
}

export const orderIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
  message: 'expected 1-100 characters: letters, digits and . _ : - (it becomes the workflow id; no personal data)',
});

export const addressSchema = strictObject({
  street: z.string().min(1),
  street2: z.string().min(1).optional(),
  city: z.string().min(1),
  state: z.string().min(1),
  zip: z.string().min(1),
  country: z.string().min(2),
});

export const losingCarrierSchema = strictObject({
  customerType: z.enum(['Business', 'Individual']),
  customerName: z.string().min(1),
  accountNumber: z.string().min(1).optional(),
  /** The account's main number with the losing carrier (use a ported number if unsure). */
  accountTelephoneNumber: e164,
  authorizedRepresentative: z.string().min(1),
  authorizedRepresentativeEmail: z.email({ message: 'expected an email address' }),
  address: addressSchema.optional(),
  addressSid: z
    .string()
    .regex(/^AD[0-9a-fA-F]{32}$/, { message: 'expected AD followed by 32 hex digits' })
    .optional(),
});

export const utilityBillSchema = z.union(
  [
    strictObject({
      documentSid: z.string().regex(/^RD[0-9a-fA-F]{32}$/, { message: 'expected RD followed by 32 hex digits' }),
    }),
    strictObject({
      /** A file the worker can read; the bytes never travel through workflow history. */
      path: z.string().min(1),
      friendlyName: z.string().min(1).optional(),
      mimeType: z.string().min(1).optional(),
    }),
  ],
  {
    // Zod's own word for a union that matches neither shape is only "Invalid input".
    error: 'expected { documentSid: "RD…" } for an uploaded bill, or { path, friendlyName?, mimeType? } to upload one',
  }
);

const callbackUrl = z.url({
  protocol: /^https?$/,
  message: 'expected an absolute http(s) URL such as https://example.com/voice',
});
const callbackMethod = z.enum(['GET', 'POST'], { message: "expected 'GET' or 'POST' (upper case)" });

/**
 * What each number is given once it is ported (Twilio's IncomingPhoneNumber fields, camelCase),
 * plus membership of a Messaging Service. Every field is optional; absent ones are left as Twilio
 * has them. With no field at all the number is only checked to be in the account.
 */
export const onPortedSchema = strictObject({
  friendlyName: z.string().min(1).max(64, { message: 'at most 64 characters (Twilio’s limit)' }).optional(),
  voiceUrl: callbackUrl.optional(),
  voiceMethod: callbackMethod.optional(),
  voiceFallbackUrl: callbackUrl.optional(),
  voiceFallbackMethod: callbackMethod.optional(),
  /** `AP…`: calls go to this TwiML application instead of `voiceUrl` (give one or the other). */
  voiceApplicationSid: z
    .string()
    .regex(/^AP[0-9a-fA-F]{32}$/, { message: 'expected AP followed by 32 hex digits' })
    .optional(),
  smsUrl: callbackUrl.optional(),
  smsMethod: callbackMethod.optional(),
  smsFallbackUrl: callbackUrl.optional(),
  smsFallbackMethod: callbackMethod.optional(),
  statusCallback: callbackUrl.optional(),
  statusCallbackMethod: callbackMethod.optional(),
  /** `MG…`: the number joins this Messaging Service (which then handles its messages, not `smsUrl`). */
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, { message: 'expected MG followed by 32 hex digits' })
    .optional(),
}).superRefine((o, ctx) => {
  // Twilio would take both and silently ignore one of them: say so instead.
  if (o.voiceApplicationSid && (o.voiceUrl || o.voiceFallbackUrl)) {
    ctx.addIssue({
      code: 'custom',
      path: ['voiceApplicationSid'],
      message:
        'give voiceApplicationSid or voiceUrl/voiceFallbackUrl, not both: Twilio ignores the URLs when an application is set',
    });
  }
  if (o.messagingServiceSid && (o.smsUrl || o.smsFallbackUrl)) {
    ctx.addIssue({
      code: 'custom',
      path: ['messagingServiceSid'],
      message:
        'give messagingServiceSid or smsUrl/smsFallbackUrl, not both: a Messaging Service handles the number’s messages itself',
    });
  }
  for (const [method, url] of [
    ['voiceMethod', 'voiceUrl'],
    ['voiceFallbackMethod', 'voiceFallbackUrl'],
    ['smsMethod', 'smsUrl'],
    ['smsFallbackMethod', 'smsFallbackUrl'],
    ['statusCallbackMethod', 'statusCallback'],
  ] as const) {
    if (o[method] && !o[url]) {
      ctx.addIssue({ code: 'custom', path: [method], message: `${method} needs ${url}: it is the method of that URL` });
    }
  }
});

export const orderOptionsSchema = strictObject({
  /** How often the workflow re-fetches its requests from Twilio (webhooks are hints, the API is the truth). */
  reconcileInterval: durationText.optional(),
  /**
   * How far past the workflow's clock a webhook may be dated before it is suspect (default 5 minutes).
   * Only for a carrier clock that runs ahead on purpose, as the demo's accelerated sandbox does.
   */
  maxWebhookClockSkew: durationText.optional(),
  /** Twilio auto-cancels an LOA unsigned for this long. */
  loaExpiry: durationText.optional(),
  /**
   * When to remind about an unsigned LOA, as durations before its expiry (default 7, 3 and 1 day);
   * `[]` sends none. Each is shorter than `loaExpiry`.
   */
  loaReminders: z.array(durationText).max(10, { message: 'at most 10 reminders' }).optional(),
  /** How long before a number's 72-hour cancel cutoff the `cancel-window-closing` warning fires (default 24 hours). */
  cancelWindowWarning: durationText.optional(),
  /** Policy: cancel numbers still rejected after this long (off when absent). */
  autoCancelRejectedAfter: durationText.optional(),
  /** Numbers per portability activity. */
  portabilityBatchSize: z.number().int().min(1).max(1000).optional(),
  /** Portability calls in flight at once, across the whole order. */
  portabilityConcurrency: z.number().int().min(1).max(100).optional(),
  /** Continue-as-new once this run has this many history events (the server's suggestion also counts). */
  continueAsNewAfterEvents: z.number().int().min(20).optional(),
  /** Continue-as-new once this run has received this many signals (Temporal caps a run at 10,000). */
  continueAsNewAfterSignals: z.number().int().min(1).optional(),
  /**
   * Attempts at creating each request before the order fails as AttemptsExhausted (retryable errors
   * only: 5xx, timeouts; a refusal fails at once). @default 20, about 15 minutes of backoff
   */
  createAttempts: z
    .number()
    .int({ message: 'expected a whole number of attempts' })
    .min(1, { message: 'expected at least 1 attempt' })
    .max(20, { message: 'expected at most 20 attempts (the default)' })
    .optional(),
});

export const portInOrderSchema = strictObject({
  orderId: orderIdSchema,
  /** The caller's customer reference (an opaque id — never a name: search attributes are not encrypted). */
  customerRef: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, {
    message: 'expected an opaque reference of letters, digits and . _ : - (no names: it is stored unencrypted)',
  }),
  /** Account (or subaccount) to port into; defaults to the configured account. */
  accountSid: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/, { message: 'expected AC followed by 32 hex digits' })
    .optional(),
  losingCarrierInformation: losingCarrierSchema,
  phoneNumbers: z
    .array(strictObject({ phoneNumber: e164, pin: z.string().min(1).optional() }))
    .min(1, { message: 'an order needs at least one phone number' })
    .max(10_000, { message: 'at most 10,000 numbers per order (it is split into requests of 1,000)' }),
  /** `YYYY-MM-DD`, at least 7 days ahead. */
  targetPortInDate: z.iso.date({ message: 'expected a date YYYY-MM-DD' }),
  targetPortInTimeRangeStart: offsetTime.optional(),
  targetPortInTimeRangeEnd: offsetTime.optional(),
  notificationEmails: z.array(z.email({ message: 'expected an email address' })).optional(),
  utilityBill: utilityBillSchema,
  /** After the port: the configuration every ported number is given (see {@link onPortedSchema}). */
  onPorted: onPortedSchema.optional(),
  options: orderOptionsSchema.optional(),
});

export type PortInOrder = z.infer<typeof portInOrderSchema>;
export type PortInOrderOptions = z.infer<typeof orderOptionsSchema>;
export type LosingCarrierInput = z.infer<typeof losingCarrierSchema>;
export type UtilityBill = z.infer<typeof utilityBillSchema>;
export type OnPortedConfiguration = z.infer<typeof onPortedSchema>;

/** One problem with an order, by field path. Never carries a PIN or an account number. */
export interface OrderProblem {
  path: string;
  message: string;
}

export function zodProblems(error: z.ZodError): OrderProblem[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join(''),
    message: issue.message,
  }));
}
