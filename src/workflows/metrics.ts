/**
 * portflow's own business counters, emitted from workflow code through the SDK's workflow
 * `metricMeter`: it drops values while the workflow replays, so a counter counts each transition
 * once however often a history is replayed (cache eviction, worker restart). The worker's runtime
 * exports them next to Temporal's own metrics (Prometheus on the metrics port, see installRuntime).
 *
 * The meter also tags every value with namespace, taskQueue and workflowType. Labels hold only
 * statuses, outcomes and codes: never a phone number, a customer or an order id (unbounded
 * cardinality, and the metrics endpoint is not encrypted).
 */
import { metricMeter } from '@temporalio/workflow';
import type { MetricCounter } from '@temporalio/common';
import type { NumberStatus, PortInState } from './state';

/** Names as they appear on /metrics. */
export const METRIC_NAMES = {
  orders: 'portflow_orders_total',
  numberStatus: 'portflow_number_status_changes_total',
  rejections: 'portflow_rejections_total',
  eventDeliveries: 'portflow_event_deliveries_total',
} as const;

/** How an order ended: the workflow's result outcome, or `failed` when it stopped with an error. */
export type OrderOutcome = 'completed' | 'canceled' | 'expired' | 'failed';

// Created on first use: the workflow meter may only be touched inside a workflow context, and
// a module-level counter would be shared by every workflow of the isolate anyway.
let counters:
  | { orders: MetricCounter; numberStatus: MetricCounter; rejections: MetricCounter; eventDeliveries: MetricCounter }
  | undefined;

function meters() {
  counters ??= {
    orders: metricMeter.createCounter(METRIC_NAMES.orders, '1', 'Port-in orders that ended, by outcome.'),
    numberStatus: metricMeter.createCounter(
      METRIC_NAMES.numberStatus,
      '1',
      'Phone numbers that entered a status (per-number port-in status, plus not_portable).'
    ),
    rejections: metricMeter.createCounter(
      METRIC_NAMES.rejections,
      '1',
      'Phone numbers rejected by the losing carrier, by Twilio rejection code.'
    ),
    eventDeliveries: metricMeter.createCounter(
      METRIC_NAMES.eventDeliveries,
      '1',
      'Lifecycle events to backends: delivered, failed (delivery attempts), dropped (outbox full), given_up.'
    ),
  };
  return counters;
}

/** Counts an order that ended. Call once, where the workflow returns or fails for good. */
export function recordOrderOutcome(outcome: OrderOutcome): void {
  meters().orders.add(1, { outcome });
}

/**
 * Counts every number whose status differs between two states (a status entered), and every
 * number that became rejected, by its rejection code. Pure comparison: call it after any step
 * that may move numbers (the reducer, the portability check).
 */
export function recordNumberChanges(before: PortInState, after: PortInState): void {
  if (before === after || before.numbers === after.numbers) return;
  for (const [phoneNumber, now] of Object.entries(after.numbers)) {
    const previous: NumberStatus | undefined = before.numbers[phoneNumber]?.status;
    if (previous === now.status) continue;
    meters().numberStatus.add(1, { status: now.status });
    if (now.status === 'port_rejected') {
      meters().rejections.add(1, { code: now.rejection?.code == null ? 'unknown' : String(now.rejection.code) });
    }
  }
}

/** Lifecycle event delivery, by outcome: `failed` counts failed delivery attempts, the others events. */
export function recordEventDeliveries(outcome: 'delivered' | 'failed' | 'dropped' | 'given_up', count: number): void {
  if (count > 0) meters().eventDeliveries.add(count, { outcome });
}
