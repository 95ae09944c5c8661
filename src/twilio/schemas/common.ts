/**
 * Building blocks of the inbound (wire to domain) schemas: tolerant scalars and the field-spelling
 * aliases Twilio's resources disagree on (reference §2, §7.3).
 */
import { z } from 'zod';

/** A string that may be missing or null; always `string | null` after parsing. */
export const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

/** A boolean that may be missing or null; `"true"`/`"false"` (form-encoded bodies) are read too. */
export const nullableBoolean = z
  .union([z.boolean(), z.enum(['true', 'false', 'True', 'False'])])
  .nullish()
  .transform((v) => (typeof v === 'string' ? v.toLowerCase() === 'true' : (v ?? null)));

/** An integer that may be missing or null, sent as a number or a numeric string. */
export const nullableInteger = z
  .union([z.number(), z.string()])
  .nullish()
  .transform((v) => toCode(v));

/** A list of strings that may be missing or null; always an array after parsing. */
export const stringList = z
  .array(z.string())
  .nullish()
  .transform((v) => v ?? []);

/**
 * A Twilio numeric code sent as a number or a numeric string (`rejection_reason_code` is a string on
 * PortIn and an integer on PhoneNumber). Anything else is null: a code we cannot read is no code.
 */
export function toCode(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? Math.trunc(value) : null;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value.trim());
  return null;
}

/** Number types, normalized: `LOCAL`, `Local`, `local` -> `local`; `TOLL-FREE`, `toll_free` -> `toll_free`. */
export const NumberType = {
  LOCAL: 'local',
  MOBILE: 'mobile',
  TOLL_FREE: 'toll_free',
  UNKNOWN: 'unknown',
} as const;
export type NumberType = (typeof NumberType)[keyof typeof NumberType];

/** Normalizes a number type string; anything unrecognized (or absent) is `unknown`. */
export function normalizeNumberType(raw: string | null | undefined): NumberType {
  if (raw == null) return NumberType.UNKNOWN;
  const key = raw
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if (key === 'tollfree') return NumberType.TOLL_FREE;
  return (Object.values(NumberType) as string[]).includes(key) ? (key as NumberType) : NumberType.UNKNOWN;
}

/**
 * Before the object schema runs, fills each canonical key from the first alias present when the
 * canonical one is missing or null. E.g. `{ phone_number_sid: ['port_in_phone_number_sid'] }`.
 */
export function withAliases<S extends z.ZodType>(aliases: Record<string, readonly string[]>, schema: S) {
  return z.preprocess((input) => {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
    const out: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const [canonical, alternatives] of Object.entries(aliases)) {
      if (out[canonical] != null) continue;
      for (const alt of alternatives) {
        if (out[alt] != null) {
          out[canonical] = out[alt];
          break;
        }
      }
    }
    return out;
  }, schema);
}

/** An ISO date-time normalized to `toISOString()` form, or null when absent or unreadable. */
export function toIsoOrNull(value: string | null | undefined): string | null {
  if (value == null || value === '') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
