/**
 * A portflow worker in a process of its own with Prometheus metrics on (the SDK runtime, and so
 * its exporter, can be installed once per process), for failure-metrics.test.ts. It runs one
 * failing order per cause (./failure-causes.ts), prints one JSON line, then serves /metrics until
 * SIGTERM. Reads TEMPORAL_ADDRESS and PORTFLOW_TEST_WORKFLOW_BUNDLE from the env.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../../../src/config';
import { startSandbox } from '../../../src/sandbox';
import { reservePort } from '../../../src/temporal-server/ports';
import { createPortflowWorker, installRuntime } from '../../../src/worker';
import { FAST_TIMELINE, sandboxPortingClient } from '../../helpers/portflow-env';
import { runFailedOrder } from './failure-causes';
import type { FailureCause } from './failure-causes';

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS;
  const codePath = process.env.PORTFLOW_TEST_WORKFLOW_BUNDLE;
  if (!address || !codePath) throw new Error('TEMPORAL_ADDRESS and PORTFLOW_TEST_WORKFLOW_BUNDLE are required');
  const metricsPort = await reservePort();
  const config = loadConfig({ ...process.env, PORTFLOW_METRICS_PORT: String(metricsPort.port) });
  await metricsPort.release();
  installRuntime(config);

  const sandbox = await startSandbox({ clockScale: 1, timeline: FAST_TIMELINE });
  const porting = sandboxPortingClient(sandbox);
  const badPorting = sandboxPortingClient(sandbox, { authToken: 'not-the-token' });
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  const client = new Client({ connection });
  const taskQueue = `failure-metrics-${process.pid}-${Date.now()}`;
  const badTaskQueue = `${taskQueue}-bad-credentials`;
  const worker = await createPortflowWorker({
    connection: nativeConnection,
    taskQueue,
    porting,
    workflowBundle: { codePath },
  });
  const badWorker = await createPortflowWorker({
    connection: nativeConnection,
    taskQueue: badTaskQueue,
    porting: badPorting,
    workflowBundle: { codePath },
  });
  const running = Promise.all([worker.run(), badWorker.run()]);

  const causes: FailureCause[] = [
    'missing-pin',
    'bill-unreadable',
    'create-refused',
    'credentials-refused',
    'attempts-exhausted',
  ];
  const failed: Array<{ cause: string; type: string | null }> = [];
  for (const cause of causes) {
    const f = await runFailedOrder(client, sandbox, cause === 'credentials-refused' ? badTaskQueue : taskQueue, cause);
    failed.push({ cause, type: f.failureType });
  }
  console.log(JSON.stringify({ metricsUrl: `http://${config.metrics.host}:${config.metrics.port}/metrics`, failed }));

  // The runtime's own SIGTERM handler shuts the workers down; run() then resolves.
  await running;
  await nativeConnection.close();
  await connection.close();
  porting.close();
  badPorting.close();
  await sandbox.stop();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
