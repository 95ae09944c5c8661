/**
 * A token bucket shared by every call of a client: at most `ratePerSecond` requests start per second
 * on average, `burst` at once after a quiet spell. Twilio limits an account as a whole, so the bucket
 * is process-wide (one per client; the worker has one client), and a 429's `Retry-After` pauses it
 * for every caller, not only for the call that got it.
 */

/** Time source and timer of the bucket; tests inject a fake one. */
export interface RateClock {
  now(): number;
  /** Calls `fn` after `ms`; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: RateClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    // A waiting call keeps the process alive by its own promise; the timer need not.
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

export interface RateLimiterOptions {
  /** Requests per second, on average (> 0). */
  ratePerSecond: number;
  /** Tokens the bucket holds when full: requests that may start at once. @default max(1, ceil(ratePerSecond)) */
  burst?: number;
  clock?: RateClock;
}

export class RateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly clock: RateClock;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;
  private readonly waiting: Array<() => void> = [];
  private cancelTimer: (() => void) | null = null;
  private granted = 0;

  constructor(options: RateLimiterOptions) {
    if (!Number.isFinite(options.ratePerSecond) || options.ratePerSecond <= 0) {
      throw new RangeError(`ratePerSecond must be a positive number, got ${String(options.ratePerSecond)}`);
    }
    const burst = options.burst ?? Math.max(1, Math.ceil(options.ratePerSecond));
    if (!Number.isInteger(burst) || burst < 1) {
      throw new RangeError(`burst must be a positive integer, got ${String(options.burst)}`);
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = burst;
    this.clock = options.clock ?? systemClock;
    this.tokens = burst;
    this.refilledAt = this.clock.now();
  }

  /** Requests waiting for a token. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Tokens handed out so far. */
  get grants(): number {
    return this.granted;
  }

  /** Resolves when the caller may send one request. FIFO: a newcomer never overtakes a waiting call. */
  acquire(): Promise<void> {
    if (this.waiting.length === 0 && this.tryTake()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  /**
   * Twilio answered 429 with `Retry-After`: no request of this client starts before `ms` from now.
   * The bucket is emptied too, so the calls let through afterwards come at the steady rate, not as a burst.
   */
  pauseFor(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    const until = this.clock.now() + ms;
    if (until <= this.pausedUntil) return;
    this.pausedUntil = until;
    this.tokens = 0;
    this.refilledAt = until;
    this.reschedule();
  }

  private refill(now: number): void {
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
    this.refilledAt = now;
  }

  private tryTake(): boolean {
    const now = this.clock.now();
    if (now < this.pausedUntil) return false;
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.granted++;
    return true;
  }

  /** Milliseconds until the next token (or the end of a pause). */
  private delayUntilNext(): number {
    const now = this.clock.now();
    if (now < this.pausedUntil) return this.pausedUntil - now;
    this.refill(now);
    return Math.max(1, Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000));
  }

  private schedule(): void {
    if (this.cancelTimer || this.waiting.length === 0) return;
    this.cancelTimer = this.clock.setTimer(() => {
      this.cancelTimer = null;
      this.drain();
    }, this.delayUntilNext());
  }

  private reschedule(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.schedule();
  }

  private drain(): void {
    while (this.waiting.length > 0 && this.tryTake()) this.waiting.shift()!();
    this.schedule();
  }
}
