/**
 * `parseDuration`: the durations an order's options are written in ("30s", "6 hours", "2 days"),
 * and their agreement with the order schema that admits them.
 */
import { orderOptionsSchema } from '../../../src/order';
import { parseDuration } from '../../../src/workflows/duration';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each<[string, number]>([
    ['250ms', 250],
    ['0s', 0],
    ['30s', 30 * SECOND],
    ['1 second', SECOND],
    ['45 seconds', 45 * SECOND],
    ['5m', 5 * MINUTE],
    ['1 minute', MINUTE],
    ['90 minutes', 90 * MINUTE],
    ['6h', 6 * HOUR],
    ['1 hour', HOUR],
    ['6 hours', 6 * HOUR],
    ['1.5h', 1.5 * HOUR],
    ['1d', DAY],
    ['2 days', 2 * DAY],
    ['30 days', 30 * DAY],
    ['72h', 3 * DAY],
    ['  10s  ', 10 * SECOND],
    ['0.5s', 500],
    ['0.0004s', 0],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    '   ',
    '10',
    's',
    'ten seconds',
    '-5s',
    '+5s',
    '1e3s',
    '.5s',
    '5.s',
    '10 weeks',
    '2 fortnights',
    '5 y',
    '1h30m',
    '1,000ms',
  ])('refuses %j, naming the text and the accepted forms', (text) => {
    expect(() => parseDuration(text)).toThrow(TypeError);
    expect(() => parseDuration(text)).toThrow(
      `Invalid duration "${text}": expected a number and a unit, such as "30s", "6 hours" or "2 days"`
    );
  });

  it('rounds fractions to whole milliseconds', () => {
    expect(parseDuration('1.0005s')).toBe(1001);
    expect(parseDuration('0.3333s')).toBe(333);
  });

  describe('agreement with the order schema', () => {
    const samples = ['30s', '6h', '5 days', '100ms', '1.5 hours', '1 minute', '2d', '10 weeks', '5 y', '1h30m', '-1s'];
    it.each(samples)('%j is accepted by both or by neither', (text) => {
      const admitted = orderOptionsSchema.safeParse({ reconcileInterval: text }).success;
      let parsed = true;
      try {
        parseDuration(text);
      } catch {
        parsed = false;
      }
      expect(parsed).toBe(admitted);
    });
  });
});
