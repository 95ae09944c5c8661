/**
 * The worker: the one composition root. Builds the Twilio client, the activities and the data
 * converter, and runs portInWorkflow until SIGINT/SIGTERM. `node lib/worker.js` (`npm run worker`
 * from the sources).
 */
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import { startAttentionGauge } from './attention-gauge';
import type { WorkerSettings } from './activities';
import { loadDataConverter } from './codec/data-converter';
import { loadConfig } from './config';
import type { PortflowConfig } from './config';
import { portingClientFromConfig } from './porting-client';
import { connectWorkerConnection } from './temporal-connection';
import type { PortingClient } from './twilio/client';
import { prebuiltWorkflowBundle } from './workflow-bundle';
import { parseDuration } from './workflows/duration';

export interface PortflowWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** The Twilio client the activities call; they use it with its retries off (Temporal retries them). */
  porting: PortingClient;
  /** Settings orders adopt when they set none (PORTFLOW_RECONCILE_INTERVAL). */
  settings?: WorkerSettings;
  /**
   * A pre-built bundle (tests bundle once per run). @default the build's lib/workflows.bundle.js when
   * present (see ./workflow-bundle), else the worker bundles ./workflows at start
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  dataConverter?: DataConverter;
  /** Webhook inbox settings of the claim activity (forward window). */
  inbox?: { forwardForMs?: number };
  /** Extra worker options (cache size, concurrency, identity, ...). */
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxCachedWorkflows'
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'identity'
      | 'shutdownGraceTime'
    >
  >;
}

/** A worker for portInWorkflow and its activities. */
export function createPortflowWorker(options: PortflowWorkerOptions): Promise<Worker> {
  const workflowBundle = options.workflowBundle ?? prebuiltWorkflowBundle();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace ?? 'default',
    taskQueue: options.taskQueue,
    activities: createActivities({
      // One retry loop per call: Temporal's (the activity retry policy), not the client's as well.
      client: options.porting.withRetries(0),
      settings: options.settings,
      // The inbox claim signals workflows: a client on the worker's own connection, with the same
      // data converter, so the events it carries are encrypted like every other payload.
      temporal: new Client({
        connection: options.connection,
        namespace: options.namespace ?? 'default',
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
      }),
      inbox: { taskQueue: options.taskQueue, ...options.inbox },
    }),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: require.resolve('./workflows') }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    ...options.tuning,
  });
}

/**
 * Installs the SDK runtime once per process: logs at INFO and Temporal's metrics (plus portflow's
 * own counters, emitted from workflow code) in Prometheus format on the metrics port.
 */
export function installRuntime(config: PortflowConfig, { metrics = true } = {}): void {
  Runtime.install({
    logger: new DefaultLogger(config.logLevel),
    ...(metrics
      ? {
          telemetryOptions: {
            metrics: { prometheus: { bindAddress: `${config.metrics.host}:${config.metrics.port}` } },
          },
        }
      : {}),
  });
}

/**
 * Runs a worker until it shuts down, with the process's own metrics beside it: the
 * `portflow_orders_needing_attention` gauge, counted from visibility every `attentionGaugeInterval`
 * (see ./attention-gauge). On the runtime's meter, so it is on the same Prometheus endpoint.
 */
export async function runPortflowWorker(
  worker: Worker,
  options: { connection: NativeConnection; namespace?: string; taskQueue: string; attentionGaugeInterval: string }
): Promise<void> {
  const gauge = startAttentionGauge({
    client: new Client({ connection: options.connection, namespace: options.namespace ?? 'default' }),
    meter: Runtime.instance().metricMeter,
    taskQueue: options.taskQueue,
    intervalMs: parseDuration(options.attentionGaugeInterval),
  });
  try {
    await worker.run();
  } finally {
    gauge.stop();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  installRuntime(config);
  const connection = await connectWorkerConnection(config.temporal);
  const porting = portingClientFromConfig(config.twilio);
  try {
    const worker = await createPortflowWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      porting,
      settings: { reconcileInterval: config.workflow.reconcileInterval },
      dataConverter: await loadDataConverter(config),
    });
    console.log(
      `portflow worker: task queue ${config.temporal.taskQueue} on ${config.temporal.description}; ` +
        `Twilio at ${config.twilio.apiBaseUrl}${config.twilio.usesSandbox ? ' (sandbox)' : ''}; ` +
        `metrics on http://${config.metrics.host}:${config.metrics.port}/metrics`
    );
    // Runtime's default shutdown signals (SIGINT, SIGTERM, ...) stop the worker gracefully.
    await runPortflowWorker(worker, {
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      attentionGaugeInterval: config.metrics.attentionGaugeInterval,
    });
  } finally {
    porting.close();
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    // A configuration or connection problem is its message; anything else, its stack.
    const known = err instanceof Error && /^(ConfigError|TemporalConnectionError|TemporalConfigError)$/.test(err.name);
    console.error(known ? `portflow worker: ${(err as Error).message}` : err);
    process.exit(1);
  });
}
