/**
 * How the demo stops what it started (in reverse order of start) so that Ctrl-C always ends it
 * within a bounded time, however a service misbehaves.
 */
import type { DemoLogFile } from './log-file';

/** One thing the demo stops, with how long it may take. */
export interface CleanupStep {
  what: string;
  run: () => Promise<void> | void;
  /** @default 5000 */
  timeoutMs?: number;
}

/** What all the steps together may take, before the ones still to come get a second each. */
export const STOP_BUDGET_MS = 20_000;

/**
 * Runs the steps in order. Each gets its own limit and all of them together `budgetMs`; a step past
 * the budget still gets a second, so a hang early on does not leave the dev server running. Each
 * step is logged with its duration, so a slow stop can be read from demo.log. Returns what failed
 * or timed out, one line per step.
 */
export async function runCleanups(
  steps: CleanupStep[],
  log: DemoLogFile,
  budgetMs = STOP_BUDGET_MS
): Promise<string[]> {
  const problems: string[] = [];
  const deadline = Date.now() + budgetMs;
  for (const { what, run, timeoutMs = 5000 } of steps) {
    const started = Date.now();
    const allowedMs = Math.max(1000, Math.min(timeoutMs, deadline - started));
    log.write('demo', 'info', `stopping ${what}`, { allowedMs });
    try {
      await withTimeout(
        Promise.resolve().then(run),
        allowedMs,
        `did not stop within ${(allowedMs / 1000).toFixed(1)} s`
      );
      log.write('demo', 'info', `stopped ${what}`, { ms: Date.now() - started });
    } catch (err) {
      problems.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      log.write('demo', 'error', `failed to stop ${what}`, { ms: Date.now() - started, error: err });
    }
  }
  return problems;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
