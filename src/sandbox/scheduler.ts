/**
 * Due-time queue of the simulated carrier. Jobs are keyed by simulated time and run in order
 * (ties in scheduling order), each with the time it was due, so the history a test sees does not
 * depend on how coarse the real-time tick was. A binary heap keeps a 1,000-number request at
 * O(log n) per transition.
 */

/** A transition to run at simulated time `due`; receives the due time as "now". */
export type Job = (dueMs: number) => void;

interface Entry {
  due: number;
  seq: number;
  job: Job;
}

export class Scheduler {
  private heap: Entry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;

  /** Queues `job` for simulated time `dueMs`. */
  schedule(dueMs: number, job: Job): void {
    this.push({ due: dueMs, seq: this.seq++, job });
  }

  get size(): number {
    return this.heap.length;
  }

  /** Simulated time of the next job, or null when idle. */
  nextDue(): number | null {
    return this.heap[0]?.due ?? null;
  }

  /**
   * Runs jobs due at or before `nowMs`, at most `limit` of them (jobs scheduled by a job run in
   * the same call when they are due too). Returns how many ran.
   */
  runDue(nowMs: number, limit: number): number {
    let ran = 0;
    while (ran < limit) {
      const top = this.heap[0];
      if (!top || top.due > nowMs) break;
      this.pop();
      ran++;
      top.job(top.due);
    }
    return ran;
  }

  /** Starts the real-time loop: every `tickMs`, run at most `perTick` due jobs. */
  start(now: () => number, tickMs: number, perTick: number, onError: (err: unknown) => void): void {
    this.stop();
    this.timer = setInterval(() => {
      try {
        this.runDue(now(), perTick);
      } catch (err) {
        onError(err);
      }
    }, tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  clear(): void {
    this.heap = [];
  }

  private less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p] as Entry;
      if (!this.less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      let best: Entry = last;
      if (l < h.length && this.less(h[l] as Entry, best)) {
        m = l;
        best = h[l] as Entry;
      }
      if (r < h.length && this.less(h[r] as Entry, best)) {
        m = r;
        best = h[r] as Entry;
      }
      if (m === i) break;
      h[i] = best;
      i = m;
    }
    h[i] = last;
  }
}
