/**
 * The process-wide token bucket of the Twilio client: it holds the configured rate under a burst,
 * and a 429's Retry-After pauses every caller. Counted on an injected clock: no waiting, no timing.
 */
import { type SandboxHandle, startSandbox } from '../../../src/sandbox';
import { PortingClient, RateLimiter, TwilioRateLimitError } from '../../../src/twilio';
import type { RateClock } from '../../../src/twilio';

/** A clock that moves only when told to, running the timers that fall due on the way. */
class FakeClock implements RateClock {
  private t = 1_000_000;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private ids = 0;

  now(): number {
    return this.t;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const id = ++this.ids;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((timer) => timer.id !== id);
    };
  }

  /** Moves time forward by `ms`, firing due timers in order (and letting their promises settle). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const next = [...this.timers].sort((a, b) => a.at - b.at)[0];
      if (!next || next.at > end) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** Starts `count` acquires at once and records, per call, the fake time it was let through. */
function burst(limiter: RateLimiter, clock: FakeClock, count: number): number[] {
  const grantedAt: number[] = [];
  for (let i = 0; i < count; i++) {
    void limiter.acquire().then(() => {
      grantedAt[i] = clock.now();
    });
  }
  return grantedAt;
}

describe('RateLimiter (token bucket)', () => {
  it('holds the configured rate under a burst of 1,000 calls, in FIFO order', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const limiter = new RateLimiter({ ratePerSecond: 10, burst: 10, clock });
    const grantedAt = burst(limiter, clock, 1000);
    await flush();
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(10); // the burst, at once

    for (let second = 0; second < 120; second++) await clock.advance(1000);
    const granted = grantedAt.filter((t) => t !== undefined);
    // Two minutes at 10/s after a burst of 10: 1,210 would be possible, 1,000 were asked for.
    expect(granted).toHaveLength(1000);
    expect(limiter.queued).toBe(0);

    // No one-second window holds more than burst + rate; after the burst, none more than the rate.
    const seconds = (t: number) => Math.floor((t - start) / 1000);
    const perSecond = new Map<number, number>();
    for (const t of granted) perSecond.set(seconds(t), (perSecond.get(seconds(t)) ?? 0) + 1);
    for (const [second, count] of perSecond) expect(count).toBeLessThanOrEqual(second === 0 ? 20 : 10);
    for (let i = 0; i + 10 < granted.length; i++) {
      // Any 11 consecutive grants past the burst span at least one second.
      if (i >= 10) expect(granted[i + 10]! - granted[i]!).toBeGreaterThanOrEqual(1000);
    }
    // FIFO: grant times never go backwards in call order.
    for (let i = 1; i < granted.length; i++) expect(granted[i]!).toBeGreaterThanOrEqual(granted[i - 1]!);
    // And it does not hold back: the 1,000th call went through about when the rate allows.
    expect(seconds(granted[999]!)).toBe(99);
  });

  it('refills to the burst after a quiet spell, never beyond', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 5, burst: 3, clock });
    await clock.advance(60_000);
    const grantedAt = burst(limiter, clock, 10);
    await flush();
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(3);
    await clock.advance(1000);
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(8);
  });

  it('honours Retry-After: nobody starts before the pause ends, then at the steady rate', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ratePerSecond: 4, burst: 4, clock });
    const pausedAt = clock.now();
    limiter.pauseFor(5000);
    const grantedAt = burst(limiter, clock, 12);
    await clock.advance(4999);
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(0);
    await clock.advance(1);
    await clock.advance(1000);
    const granted = grantedAt.filter((t) => t !== undefined);
    // The bucket was emptied by the pause: the first second after it lets the rate through, not a burst.
    expect(granted.length).toBeGreaterThanOrEqual(4);
    expect(granted.length).toBeLessThanOrEqual(5);
    expect(Math.min(...granted)).toBeGreaterThanOrEqual(pausedAt + 5000);
    // A shorter pause later does not shorten the one in force.
    limiter.pauseFor(10_000);
    limiter.pauseFor(1000);
    const before = granted.length;
    await clock.advance(9000);
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(before);
    await clock.advance(3000);
    expect(grantedAt.filter((t) => t !== undefined)).toHaveLength(12);
  });

  it('rejects a rate or burst that is not positive, naming it', () => {
    expect(() => new RateLimiter({ ratePerSecond: 0 })).toThrow(/ratePerSecond must be a positive number, got 0/);
    expect(() => new RateLimiter({ ratePerSecond: 5, burst: 0 })).toThrow(/burst must be a positive integer/);
  });
});

describe('PortingClient with a request rate (against the sandbox over HTTP)', () => {
  let sandbox: SandboxHandle;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('pauses every call of the client for a 429’s Retry-After, not only the call that got it', async () => {
    const clock = new FakeClock();
    const sent: string[] = [];
    const client = PortingClient.forSandbox(sandbox, {
      maxRequestsPerSecond: 100,
      rateClock: clock,
      maxRetries: 0,
      onRequest: (e) => sent.push(e.operation),
    });
    try {
      sandbox.addFault({
        kind: 'http',
        method: 'GET',
        pathPattern: 'Portability',
        fault: 'rate-limit',
        retryAfterSeconds: 30,
      });
      const refused = await client.checkPortability('+14155551601').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(TwilioRateLimitError);
      expect(sent).toHaveLength(1);

      // Another call, of another kind: it waits for the pause, without reaching the sandbox.
      let answered = false;
      const waiting = client.listPortInsPage({ pageSize: 1 }).then(() => {
        answered = true;
      });
      await clock.advance(29_000);
      expect(sent).toHaveLength(1);
      expect(client.rate).toMatchObject({ ratePerSecond: 100, queued: 1 });
      // The pause emptied the bucket: the first token comes one rate interval (10 ms) after it.
      await clock.advance(1000 + 10);
      await waiting;
      expect(answered).toBe(true);
      expect(sent).toHaveLength(2);
    } finally {
      client.close();
    }
  });
});
