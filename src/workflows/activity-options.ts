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
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';
import type { PortInActivities } from '../activities';

type Stub = ReturnType<typeof proxyActivities<PortInActivities>>;

/** Each stub's options, so {@link withSummary} can make the same stub with a summary. */
const optionsOf = new WeakMap<
  object,
  { local: false; options: ActivityOptions } | { local: true; options: LocalActivityOptions }
>();

function remote(options: ActivityOptions): Stub {
  const stub = proxyActivities<PortInActivities>(options);
  optionsOf.set(stub, { local: false, options });
  return stub;
}

function local(options: LocalActivityOptions): Stub {
  const stub = proxyLocalActivities<PortInActivities>(options);
  optionsOf.set(stub, { local: true, options });
  return stub;
}

/**
 * The same stub, whose calls carry `summary` (the one line the Temporal UI shows for the activity):
 * same timeouts and retries, so only the command's user metadata differs.
 */
export function withSummary(stub: Stub, summary: string): Stub {
  const known = optionsOf.get(stub);
  if (!known) throw new TypeError('withSummary: not one of the stubs of activity-options.ts');
  return known.local
    ? proxyLocalActivities<PortInActivities>({ ...known.options, summary })
    : proxyActivities<PortInActivities>({ ...known.options, summary });
}

/** Four local beats per timeout (see withHeartbeat); a worker missed by this long is taken for dead. */
const HEARTBEAT_TIMEOUT = '10 seconds';

export const quick = remote({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
export const portability = remote({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
/** Attempts at creating a request; an order may ask for fewer (`options.createAttempts`). */
export const DEFAULT_CREATE_ATTEMPTS = 20;
const creationOptions = (maximumAttempts: number): ActivityOptions => ({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  // Bounded: an order that cannot be created after this many tries needs a person, not a loop.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts },
});
export const creation = remote(creationOptions(DEFAULT_CREATE_ATTEMPTS));
/** The creation stub with the order's own attempt count (since the `portflow-create-attempts` patch). */
export function creationWithAttempts(maximumAttempts: number): typeof creation {
  return maximumAttempts === DEFAULT_CREATE_ATTEMPTS ? creation : remote(creationOptions(maximumAttempts));
}

// Since the `portflow-needs-attention` patch: calls whose failure parks the order (operator actions,
// polls) give up after a few attempts, so the order can say "Needs Attention" and try again later
// instead of waiting inside one activity for as long as Twilio is down.
export const operatorActions = remote({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 4 },
});
export const reconciliation = remote({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});
/** The worker's own settings: a local activity, so its answer is recorded in history once per run. */
export const workerSettings = local({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5 },
});
/**
 * Lifecycle event delivery: a few quick attempts per call (a blip costs no workflow history); when
 * they fail the workflow marks the delivery failing and tries again on its own backoff, beside the
 * port. Heartbeats so a worker that dies mid-batch is noticed within a minute.
 */
export const eventDelivery = proxyActivities<PortInActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '4 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/**
 * After the port: how often a completed number is looked for in the account before it ends as
 * "configuration failed". Twilio lists a ported number shortly after Completed; 2 s doubling to a
 * minute over 8 attempts waits about three minutes in all. Twilio's refusals are not retried.
 */
export const ACTIVATION_ATTEMPTS = 8;
export const activation = remote({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '2 seconds',
    maximumInterval: '1 minute',
    backoffCoefficient: 2,
    maximumAttempts: ACTIVATION_ATTEMPTS,
  },
});
