/**
 * Removal of secrets from anything the client shows outside itself: logging hooks, error details,
 * raw bodies kept for diagnosis. PINs and account numbers identify a subscriber's account with the
 * losing carrier; credentials open ours.
 */

/** What replaces a secret value. */
export const REDACTED = '[REDACTED]';

// Compared after lowercasing and dropping `_`/`-`, so `account_number`, `accountNumber` and
// `Account-Number` all match, while `account_telephone_number` and `pin_and_account_number_required` do not.
const secretKeys = new Set([
  'pin',
  'portoutpin',
  'accountnumber',
  'authorization',
  'proxyauthorization',
  'authtoken',
  'apisecret',
  'password',
  'cookie',
  'setcookie',
]);

/** True when a field or header of this name holds a secret. */
export function isSecretKey(key: string): boolean {
  return secretKeys.has(key.toLowerCase().replace(/[_-]/g, ''));
}

/** A deep copy of `value` with every secret field replaced by {@link REDACTED}. Cycles are cut. */
export function redact(value: unknown): unknown {
  return redactInner(value, new WeakSet());
}

function redactInner(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactInner(v, seen));
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v != null ? REDACTED : redactInner(v, seen);
  }
  return out;
}

/** Headers with credentials replaced; values flattened to strings. */
export function redactHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v == null) continue;
    out[k] = isSecretKey(k) ? REDACTED : String(v);
  }
  return out;
}
