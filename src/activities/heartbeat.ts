import { Context } from '@temporalio/activity';

/**
 * Heartbeats for activities that wait on Twilio. A worker that dies mid-activity sends no result
 * and no failure; the server learns of it only through a timeout. With heartbeats that is the
 * stub's heartbeatTimeout (10 s, see src/workflows/activity-options.ts) after the last beat, instead
 * of the whole start-to-close timeout, whatever the Twilio client timeout is.
 *
 * The server times a started activity out from its start when no heartbeat ever came, so the first
 * beat waits one interval: an activity that ends sooner (most Twilio calls) sends none. A beat at
 * the start cost every short activity one RecordActivityTaskHeartbeat call, which the server
 * persists like a workflow update (8 per 5-number order in bench/orders-at-scale.ts).
 */

/** Longest gap between two local heartbeats (the SDK throttles what it sends to the server anyway). */
export const MAX_HEARTBEAT_INTERVAL_MS = 2_000;

/**
 * Runs `work` while heartbeating every couple of seconds (the first beat one interval after the start).
 *
 * `details` gives the progress to record with every beat: an activity that resumes from its
 * heartbeat details (checkPortability) must pass it, or a beat without details would erase its
 * progress. Outside an activity that has a heartbeatTimeout it only runs `work`: the SDK asks
 * activities without one not to heartbeat.
 */
export async function withHeartbeat<T>(work: () => Promise<T>, details?: () => unknown): Promise<T> {
  const context = Context.current();
  const timeoutMs = context.info.heartbeatTimeoutMs;
  if (!timeoutMs) return work();
  const beat = () => (details ? context.heartbeat(details()) : context.heartbeat());
  const timer = setInterval(beat, Math.max(50, Math.min(MAX_HEARTBEAT_INTERVAL_MS, timeoutMs / 4)));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
