/**
 * The activity stubs portInWorkflow calls, with their timeouts and retry policies in one place.
 *
 * Recovery from a dead worker: every activity heartbeats while it waits on Twilio
 * (src/activities/heartbeat.ts), so a worker killed mid-activity costs one heartbeatTimeout plus
 * the retry's initial interval before the next attempt starts, instead of the whole start-to-close
 * timeout. HEARTBEAT_TIMEOUT is deliberately independent of the Twilio client timeout
 * (TWILIO_TIMEOUT_MS, 30 s by default, which the workflow cannot read): the activity beats while a
 * call is in flight however long the call may take. Start-to-close stays a bound for a live worker
 * whose attempt hangs; it must exceed the client timeout times the calls an attempt makes.
 * `npx tsx bench/recovery.ts` measures kill-to-next-attempt for every activity.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { PortInActivities } from '../activities';

/** Four local beats per timeout (see withHeartbeat); a worker missed by this long is taken for dead. */
const HEARTBEAT_TIMEOUT = '10 seconds';

export const quick = proxyActivities<PortInActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
export const portability = proxyActivities<PortInActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
export const creation = proxyActivities<PortInActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // Bounded: an order that cannot be created after this many tries needs a person, not a loop.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 20 },
});
