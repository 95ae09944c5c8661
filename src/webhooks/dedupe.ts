/**
 * Remembers deliveries already signalled, so a retried or replayed one is acknowledged without a
 * second signal. Three keys per delivery:
 * - `I-Twilio-Idempotency-Token`, constant across Twilio's retries of one event (but not signed:
 *   whoever replays a captured request can change it);
 * - the SHA-256 of the raw body, computed here (lowercase hex), never the `bodySHA256` text of the
 *   URL: the official validator decodes that parameter and also accepts the legacy re-encoded query,
 *   so a replay can spell it percent-encoded and still verify. Two distinct events never share a
 *   body, because the body carries the sid, number, status and `last_date_updated`;
 * - the signature itself, which such a re-spelled replay keeps unchanged.
 * Bounded (LRU), so memory is flat; the workflow's reducer ignores whatever slips past.
 */
import { LruCache } from './lru';
import type { DuplicateKey } from './metrics';

export interface DeliveryKeys {
  /** SHA-256 of the raw body, lowercase hex. */
  bodySha256: string;
  /** `X-Twilio-Signature` as verified; null only where no signature is involved (tests). */
  signature?: string | null;
  idempotencyToken: string | null;
}

export class DeliveryDeduper {
  private readonly seen: LruCache<string, true>;
  /** Deliveries of one body being handled now: a concurrent copy waits for the first one's result. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  /** @param capacity - delivery keys remembered (each delivery uses two or three). */
  constructor(capacity: number) {
    this.seen = new LruCache(capacity);
  }

  /** Which key says this delivery was already signalled, or null. */
  check(keys: DeliveryKeys): DuplicateKey | null {
    if (keys.idempotencyToken && this.seen.has(tokenKey(keys.idempotencyToken))) return 'idempotency-token';
    if (this.seen.has(bodyKey(keys.bodySha256))) return 'body-sha256';
    if (keys.signature && this.seen.has(signatureKey(keys.signature))) return 'signature';
    return null;
  }

  /**
   * Runs `handle` unless a delivery of the same body is being handled right now; then waits for it
   * and reports `duplicate` if it was signalled (else handles this one too). `handle` says whether
   * it signalled; if so the keys are remembered.
   */
  async once<T>(
    keys: DeliveryKeys,
    handle: () => Promise<{ result: T; signalled: boolean }>
  ): Promise<{ duplicate: true } | { duplicate: false; result: T }> {
    const key = bodyKey(keys.bodySha256);
    // Bounded: each pass either returns or waits for a delivery that has since finished.
    for (let pass = 0; pass < 3; pass++) {
      const running = this.inFlight.get(key);
      if (!running) break;
      if (await running) return { duplicate: true };
    }
    let settle: (signalled: boolean) => void = () => undefined;
    const mine = new Promise<boolean>((resolve) => (settle = resolve));
    this.inFlight.set(key, mine);
    let signalled = false;
    try {
      const outcome = await handle();
      signalled = outcome.signalled;
      if (signalled) this.remember(keys);
      return { duplicate: false, result: outcome.result };
    } finally {
      if (this.inFlight.get(key) === mine) this.inFlight.delete(key);
      settle(signalled);
    }
  }

  remember(keys: DeliveryKeys): void {
    this.seen.set(bodyKey(keys.bodySha256), true);
    if (keys.signature) this.seen.set(signatureKey(keys.signature), true);
    if (keys.idempotencyToken) this.seen.set(tokenKey(keys.idempotencyToken), true);
  }
}

const bodyKey = (sha: string) => `b:${sha}`;
const tokenKey = (token: string) => `t:${token}`;
const signatureKey = (signature: string) => `s:${signature}`;
