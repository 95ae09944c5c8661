/**
 * Poll times are spread: orders started together do not poll Twilio together, and no order waits
 * longer than its reconcile interval between two polls. Pure functions, counted, no clock.
 */
import { DEFAULT_TWILIO_MAX_RPS } from '../../../src/config';
import {
  FIRST_POLL_SPREAD,
  POLL_JITTER,
  pollDelayMs,
  pollTimes,
  simulatePollRate,
} from '../../../src/workflows/poll-schedule';
import { prng } from '../../helpers/prng';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('the poll schedule', () => {
  it('never waits longer than the interval, nor less than its jittered share', () => {
    const random = prng(7);
    for (let i = 0; i < 2_000; i++) {
      const u = random();
      const first = pollDelayMs(6 * HOUR, u, true);
      const later = pollDelayMs(6 * HOUR, u, false);
      expect(first).toBeLessThanOrEqual(6 * HOUR);
      expect(first).toBeGreaterThanOrEqual(6 * HOUR * (1 - FIRST_POLL_SPREAD));
      expect(later).toBeLessThanOrEqual(6 * HOUR);
      expect(later).toBeGreaterThanOrEqual(6 * HOUR * (1 - POLL_JITTER));
    }
    expect(pollDelayMs(1000, 0.5, false)).toBe(950);
    // A draw out of range is clamped, and a tiny interval still gives a positive delay.
    expect(pollDelayMs(1000, 7, true)).toBe(850);
    expect(pollDelayMs(1, 0.99, true)).toBe(1);
  });

  it('spreads 10,000 orders started in the same second under the default request rate', () => {
    const spread = simulatePollRate({
      orders: 10_000,
      intervalMs: 6 * HOUR,
      horizonMs: 7 * DAY,
      startOf: () => 0,
      random: prng(42),
    });
    expect(spread.polls).toBeGreaterThan(10_000 * 28);
    expect(spread.peakPerSecond).toBeLessThanOrEqual(DEFAULT_TWILIO_MAX_RPS);
    // The same orders without jitter (every draw 0): every one of them polls in the same second.
    const synchronised = simulatePollRate({
      orders: 10_000,
      intervalMs: 6 * HOUR,
      horizonMs: 7 * DAY,
      startOf: () => 0,
      random: () => 0,
    });
    expect(synchronised.peakPerSecond).toBe(10_000);
    expect(spread.peakPerMinute).toBeLessThan(synchronised.peakPerMinute / 20);
  });

  it('gives two orders started together different poll times', () => {
    const a = pollTimes(0, 6 * HOUR, 2 * DAY, prng(1));
    const b = pollTimes(0, 6 * HOUR, 2 * DAY, prng(2));
    expect(a.length).toBeGreaterThanOrEqual(8);
    expect(a.filter((t, i) => t === b[i])).toHaveLength(0);
    for (let i = 1; i < a.length; i++) expect(a[i]! - a[i - 1]!).toBeLessThanOrEqual(6 * HOUR);
  });
});
