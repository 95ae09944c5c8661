/**
 * Retry timing: `Retry-After` parsing and capped, jittered exponential backoff. Pure functions with
 * the clock and the random source as parameters, so they are testable without waiting.
 */

/**
 * Milliseconds to wait from a `Retry-After` header: delta-seconds (`"2"`, `"0.5"`) or an HTTP date.
 * Null when absent or unreadable; never negative.
 */
export function parseRetryAfter(header: unknown, nowMs: number = Date.now()): number | null {
  if (Array.isArray(header)) header = header[0];
  if (typeof header === 'number') return Number.isFinite(header) && header >= 0 ? Math.round(header * 1000) : null;
  if (typeof header !== 'string') return null;
  const text = header.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

/** How the client spaces its retries of idempotent calls. */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. */
  baseDelayMs: number;
  /** No computed delay exceeds this. */
  maxDelayMs: number;
  /** A server-requested wait longer than this is not waited for: the error is thrown with `retryAfterMs`. */
  maxRetryAfterMs: number;
}

/**
 * Delay before retry number `attempt` (1 for the first retry): `min(max, base × 2^(attempt-1))`,
 * jittered down to between half and all of it so concurrent callers spread out. A server's
 * `Retry-After` wins over the computed delay (it is what the server can take), as long as it is
 * within `maxRetryAfterMs`; otherwise null: do not retry.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  retryAfterMs: number | null,
  random: () => number = Math.random
): number | null {
  if (retryAfterMs != null) return retryAfterMs <= policy.maxRetryAfterMs ? retryAfterMs : null;
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}

/** A promise that resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
