import { performance } from 'node:perf_hooks';

/**
 * The sandbox's accelerated clock: simulated time = start + real elapsed × scale + jumps.
 * Every sandbox timestamp and every carrier delay is measured on it, so a test can live through
 * 30 days in a second. Real elapsed time comes from the monotonic clock, so wall-clock
 * adjustments of the host never move simulated time backwards.
 */
export class SimulatedClock {
  private anchorSim: number;
  private anchorReal: number;
  private currentScale: number;

  /**
   * @param startMs simulated epoch ms at construction, real now by default
   * @param scale simulated ms per real ms; 0 freezes the clock (only jumps move it)
   */
  constructor(startMs: number = Date.now(), scale = 1) {
    assertScale(scale);
    this.anchorSim = startMs;
    this.anchorReal = performance.now();
    this.currentScale = scale;
  }

  /** Simulated now, epoch milliseconds. */
  nowMs(): number {
    return Math.floor(this.anchorSim + (performance.now() - this.anchorReal) * this.currentScale);
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  get scale(): number {
    return this.currentScale;
  }

  /** Jumps ahead by `ms` simulated milliseconds (never backwards). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance: ms must be a finite number >= 0, got ${ms}`);
    this.anchorSim += ms;
  }

  /**
   * Back to the wall clock, at real speed: the one move backwards, for the demo, whose scenario
   * leaves the clock days ahead, so that orders started afterwards are judged on the real date.
   * Transitions scheduled for the simulated future run when the clock reaches them again.
   */
  resetToWallClock(): void {
    this.anchorSim = Date.now();
    this.anchorReal = performance.now();
    this.currentScale = 1;
  }

  /** Changes the speed from now on; time already elapsed keeps its old speed. */
  setScale(scale: number): void {
    assertScale(scale);
    this.anchorSim = this.nowMs();
    this.anchorReal = performance.now();
    this.currentScale = scale;
  }
}

function assertScale(scale: number): void {
  if (!Number.isFinite(scale) || scale < 0) {
    throw new RangeError(`clock scale must be a finite number >= 0 (simulated ms per real ms), got ${scale}`);
  }
}
