/**
 * When an order polls Twilio (reconcile). Orders started together — a carrier migration starts
 * thousands in minutes — would otherwise poll together every interval, in one burst. Each delay is
 * drawn below the interval, so no order waits longer than its interval between polls (what an
 * operator sets is an upper bound) and the phases of orders drift apart with every poll.
 *
 * Pure: the random draw `u` is a parameter (in the workflow, `Math.random()`, which Temporal makes
 * deterministic and records nothing for), so the bench can simulate many orders with the same code.
 */

/** The first poll lands in (1 − FIRST_SPREAD, 1] × interval after the start: orders started in one burst spread over this share of the interval. */
export const FIRST_POLL_SPREAD = 0.15;
/** Every later poll lands in (1 − JITTER, 1] × interval after the one before. */
export const POLL_JITTER = 0.1;

/** Milliseconds from now to an order's next poll; `u` is a uniform draw in [0, 1). */
export function pollDelayMs(intervalMs: number, u: number, first: boolean): number {
  const spread = first ? FIRST_POLL_SPREAD : POLL_JITTER;
  const draw = Math.min(Math.max(u, 0), 1);
  return Math.max(1, Math.round(intervalMs * (1 - spread * draw)));
}

/** Poll times of one order from its start, until `horizonMs` (bounded by the horizon over the shortest delay). */
export function pollTimes(startMs: number, intervalMs: number, horizonMs: number, random: () => number): number[] {
  const times: number[] = [];
  const limit = Math.ceil(horizonMs / (intervalMs * (1 - Math.max(FIRST_POLL_SPREAD, POLL_JITTER)))) + 1;
  let at = startMs + pollDelayMs(intervalMs, random(), true);
  for (let i = 0; i < limit && at <= startMs + horizonMs; i++) {
    times.push(at);
    at += pollDelayMs(intervalMs, random(), false);
  }
  return times;
}

export interface PollRateSummary {
  orders: number;
  polls: number;
  /** Most polls that fall in one second / one minute, over the horizon. */
  peakPerSecond: number;
  peakPerMinute: number;
  /** Polls per second over the horizon, on average. */
  meanPerSecond: number;
}

/**
 * The poll schedule of `orders` orders running at once (started at `startOf(i)`), `requestsPerPoll`
 * Twilio requests each (one per port-in request of the order), counted per second over the horizon.
 */
export function simulatePollRate(options: {
  orders: number;
  intervalMs: number;
  horizonMs: number;
  startOf: (i: number) => number;
  random: () => number;
  requestsPerPoll?: number;
}): PollRateSummary {
  const perSecond = new Map<number, number>();
  const perMinute = new Map<number, number>();
  const weight = options.requestsPerPoll ?? 1;
  let polls = 0;
  for (let i = 0; i < options.orders; i++) {
    const start = options.startOf(i);
    for (const t of pollTimes(start, options.intervalMs, options.horizonMs, options.random)) {
      polls++;
      const s = Math.floor(t / 1000);
      perSecond.set(s, (perSecond.get(s) ?? 0) + weight);
      const m = Math.floor(t / 60_000);
      perMinute.set(m, (perMinute.get(m) ?? 0) + weight);
    }
  }
  const max = (m: Map<number, number>) => {
    let peak = 0;
    for (const v of m.values()) if (v > peak) peak = v;
    return peak;
  };
  return {
    orders: options.orders,
    polls,
    peakPerSecond: max(perSecond),
    peakPerMinute: max(perMinute),
    meanPerSecond: (polls * weight) / (options.horizonMs / 1000),
  };
}
