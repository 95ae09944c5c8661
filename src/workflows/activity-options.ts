/**
 * The activity stubs portInWorkflow calls, with their timeouts and retry policies in one place.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { PortInActivities } from '../activities';

export const quick = proxyActivities<PortInActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
export const portability = proxyActivities<PortInActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
export const creation = proxyActivities<PortInActivities>({
  startToCloseTimeout: '2 minutes',
  // Bounded: an order that cannot be created after this many tries needs a person, not a loop.
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2, maximumAttempts: 20 },
});

// Since the `portflow-needs-attention` patch: calls whose failure parks the order (operator actions,
// polls) give up after a few attempts, so the order can say "Needs Attention" and try again later
// instead of waiting inside one activity for as long as Twilio is down.
export const operatorActions = proxyActivities<PortInActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 4 },
});
export const reconciliation = proxyActivities<PortInActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});
/** The worker's own settings: a local activity, so its answer is recorded in history once per run. */
export const workerSettings = proxyLocalActivities<PortInActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5 },
});
