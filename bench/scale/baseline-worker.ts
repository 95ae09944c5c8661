/**
 * The baseline worker of bench/orders-at-scale.ts: the trivial baseline workflow
 * (./baseline-workflow.ts, bundled by the bench into BENCH_BASELINE_BUNDLE) with everything else of
 * the production worker's main() in src/worker.ts — settings from the environment, the runtime with
 * Prometheus metrics, the encrypting data converter, the PORTFLOW_WORKER_* tuning and the attention
 * gauge — so the two differ in the workflow and its activities only. Its activities take tokens from
 * a rate limiter of the same PORTFLOW_TWILIO_MAX_RPS as the production worker's Twilio client, one per
 * call the orders made, so both spend the same request budget. Compiled and run by
 * startBaselineWorker (../bench-worker.ts) as plain node, like `node lib/worker.js`.
 */
import { Worker } from '@temporalio/worker';
import { loadDataConverter } from '../../src/codec/data-converter';
import { loadConfig } from '../../src/config';
import { connectWorkerConnection } from '../../src/temporal-connection';
import { RateLimiter } from '../../src/twilio/rate-limiter';
import { installRuntime, runPortflowWorker, workerTuning } from '../../src/worker';

async function main(): Promise<void> {
  const codePath = process.env.BENCH_BASELINE_BUNDLE;
  if (!codePath) throw new Error('baseline worker: BENCH_BASELINE_BUNDLE is not set');
  const config = loadConfig();
  installRuntime(config);
  const connection = await connectWorkerConnection(config.temporal);
  const taskQueue = config.temporal.taskQueue;
  const rate = config.twilio.maxRequestsPerSecond;
  const limiter = rate === null ? null : new RateLimiter({ ratePerSecond: rate });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue,
    workflowBundle: { codePath },
    activities: {
      noop: async (i: number, twilioCalls: number) => {
        if (limiter) await Promise.all(Array.from({ length: twilioCalls }, () => limiter.acquire()));
        return i;
      },
    },
    dataConverter: await loadDataConverter(config),
    ...workerTuning(config),
  });
  console.log(`portflow worker: baseline on task queue ${taskQueue}`);
  try {
    await runPortflowWorker(worker, {
      connection,
      namespace: config.temporal.namespace,
      taskQueue,
      attentionGaugeInterval: config.metrics.attentionGaugeInterval,
    });
  } finally {
    await connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
