/**
 * The activity stubs portInWorkflow calls, with their timeouts and retry policies in one place.
 */
import { proxyActivities } from '@temporalio/workflow';
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
