/**
 * Durations as orders write them ("30s", "6 hours", "2 days") to milliseconds. Deterministic and
 * dependency-free, so workflow code can use it.
 */
const units: Record<string, number> = {
  ms: 1,
  s: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(text.trim());
  const unit = match ? units[match[2]!] : undefined;
  if (!match || unit === undefined) {
    throw new TypeError(
      `Invalid duration "${text}": expected a number and a unit, such as "30s", "6 hours" or "2 days"`
    );
  }
  return Math.round(Number(match[1]) * unit);
}
