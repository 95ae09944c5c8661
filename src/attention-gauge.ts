/**
 * `portflow_orders_needing_attention`: how many running orders are parked as "Needs Attention" right
 * now. Workflow code can only count transitions (its metric meter drops values on replay, and a
 * worker sees only the orders in its cache), so this gauge is the worker process's own: it asks
 * visibility, the one view of every order whichever worker runs it, at a fixed interval. Every
 * worker of a task queue therefore reports the same value for it; aggregate with `max`, not `sum`.
 */
import type { Client } from '@temporalio/client';
import type { MetricMeter } from '@temporalio/common';
import { PortInStatus } from './search-attributes';
import { PORT_IN_WORKFLOW_TYPE } from './workflows/messages';
import { NEEDS_ATTENTION } from './workflows/status-view';

export const ATTENTION_GAUGE_NAME = 'portflow_orders_needing_attention';

/** @default one minute: cheap (one count query per worker), and parking itself retries on a 30 s+ backoff. */
export const DEFAULT_ATTENTION_GAUGE_INTERVAL_MS = 60_000;

export interface AttentionGaugeOptions {
  client: Client;
  meter: MetricMeter;
  taskQueue: string;
  /** @default {@link DEFAULT_ATTENTION_GAUGE_INTERVAL_MS} */
  intervalMs?: number;
  /** Where a failed count is reported (the gauge keeps its last value meanwhile). @default console.warn */
  warn?: (message: string) => void;
}

export interface AttentionGauge {
  /** Counts once now and sets the gauge; resolves to the count, or null when visibility did not answer. */
  refresh(): Promise<number | null>;
  /** Stops the refresh timer (the gauge keeps its last value). */
  stop(): void;
}

/** The visibility query of the parked orders of one task queue. */
export function needsAttentionQuery(taskQueue: string): string {
  // Quoted for the visibility grammar: a task queue is free text.
  const tq = taskQueue.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return (
    `WorkflowType = '${PORT_IN_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ` +
    `TaskQueue = '${tq}' AND ${PortInStatus.name} = '${NEEDS_ATTENTION}'`
  );
}

/** Starts refreshing the gauge at once and then every `intervalMs`, until stop(). */
export function startAttentionGauge(options: AttentionGaugeOptions): AttentionGauge {
  const intervalMs = options.intervalMs ?? DEFAULT_ATTENTION_GAUGE_INTERVAL_MS;
  const warn = options.warn ?? ((m: string) => console.warn(m));
  const gauge = options.meter.createGauge(
    ATTENTION_GAUGE_NAME,
    'int',
    '1',
    'Running port-in orders parked as "Needs Attention" (credentials refused, 404, Twilio unavailable), from visibility.'
  );
  const tags = { task_queue: options.taskQueue };
  const query = needsAttentionQuery(options.taskQueue);
  let inFlight: Promise<number | null> | null = null;
  let failing = false;

  const refresh = (): Promise<number | null> => {
    // One count at a time: a slow visibility store must not pile queries up.
    inFlight ??= options.client.workflow
      .count(query)
      .then(
        ({ count }) => {
          gauge.set(count, tags);
          if (failing) warn(`${ATTENTION_GAUGE_NAME}: visibility answers again`);
          failing = false;
          return count;
        },
        (err: unknown) => {
          if (!failing) {
            warn(
              `${ATTENTION_GAUGE_NAME}: counting parked orders failed (the gauge keeps its last value): ` +
                (err instanceof Error ? err.message : String(err))
            );
          }
          failing = true;
          return null;
        }
      )
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };

  void refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return { refresh, stop: () => clearInterval(timer) };
}
