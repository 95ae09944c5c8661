/**
 * The worker process of bench/orders-at-scale.ts, so its RSS and CPU are its own. BENCH_MODE=portflow
 * runs the production worker as `src/worker.ts` builds it from the environment (PORTFLOW_* tuning,
 * TWILIO_* client settings); BENCH_MODE=baseline runs the trivial baseline workflow with the same tuning.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConfig } from '../../src/config';
import { portingClientFromConfig } from '../../src/porting-client';
import { createPortflowWorker, workerTuning } from '../../src/worker';

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const taskQueue = config.temporal.taskQueue;
  const tuning = workerTuning(config);
  const porting = portingClientFromConfig(config.twilio, { timeoutMs: 10_000 });
  const worker =
    process.env.BENCH_MODE === 'baseline'
      ? await Worker.create({
          connection,
          taskQueue,
          workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
          activities: { noop: async (i: number) => i },
          ...tuning,
        })
      : await createPortflowWorker({
          connection,
          taskQueue,
          porting,
          workflowBundle: { codePath: process.env.BENCH_WORKFLOW_BUNDLE! },
          tuning,
        });
  console.log('bench worker: ready');
  await worker.run();
  porting.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
