/**
 * Ctrl-C for the long-running commands (`npm run demo`, `npm run webhooks`): the first SIGINT or
 * SIGTERM starts a clean stop, and a press well after it stops waiting.
 *
 * One Ctrl-C in a terminal arrives more than once: the terminal signals the whole process group,
 * and `npm run` relays the same signal to its child again. Taking such a copy for a
 * second press would skip the clean stop, so copies within {@link SAME_INTERRUPT_MS} are ignored.
 */

/** Signals this close to the first are copies of the same interrupt, not a second press. */
export const SAME_INTERRUPT_MS = 1500;

export interface InterruptHandlers {
  /** The first signal: start the clean stop. */
  onFirst(signal: NodeJS.Signals): void;
  /** A later signal, at least SAME_INTERRUPT_MS after the first: the user wants out now. */
  onForce(signal: NodeJS.Signals): void;
}

/** Installs the handlers; returns a function that removes them again. */
export function handleInterrupts(
  signals: readonly NodeJS.Signals[],
  handlers: InterruptHandlers,
  now: () => number = Date.now
): () => void {
  let firstAt: number | undefined;
  const listener = (signal: NodeJS.Signals) => {
    if (firstAt === undefined) {
      firstAt = now();
      handlers.onFirst(signal);
    } else if (now() - firstAt >= SAME_INTERRUPT_MS) {
      handlers.onForce(signal);
    }
  };
  const installed = signals.map((signal) => [signal, () => listener(signal)] as const);
  for (const [signal, fn] of installed) process.on(signal, fn);
  return () => {
    for (const [signal, fn] of installed) process.off(signal, fn);
  };
}
