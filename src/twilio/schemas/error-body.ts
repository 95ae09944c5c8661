/**
 * Twilio error bodies: the classic `{code, message, more_info, status, details}` and the RFC 9457
 * `{type, title, status, detail, code, errors}` some newer APIs use. Read leniently: an error body we
 * cannot parse must still become a clear error, never a parse failure.
 */
import { toCode } from './common';

/** What an error body says, in camelCase. */
export interface TwilioErrorBody {
  code: number | null;
  message: string | null;
  moreInfo: string | null;
  details: unknown;
}

/** Reads whatever error body arrived (object, text or nothing). */
export function parseErrorBody(body: unknown): TwilioErrorBody {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const text = typeof body === 'string' ? body.trim().slice(0, 500) : '';
    return { code: null, message: text || null, moreInfo: null, details: undefined };
  }
  const b = body as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : null);
  return {
    code: toCode(b.code),
    message: str(b.message) ?? str(b.detail) ?? str(b.title),
    moreInfo: str(b.more_info) ?? str(b.moreInfo) ?? str(b.type),
    details: b.details ?? b.errors ?? undefined,
  };
}
